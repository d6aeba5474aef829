from datetime import date
from typing import Any

import psycopg

from tests.factories.person import insert
from tests.factories.sequence import next_int


def office(conn: psycopg.Connection, province_code: str = "01") -> dict[str, Any]:
    return insert(
        conn,
        "social_insurance_office",
        {
            "code": f"BH{next_int():04d}",
            "name": "BHXH thành phố Hà Nội",
            "province_code": province_code,
        },
    )


def facility(
    conn: psycopg.Connection, province_code: str = "01", deregistered_on: date | None = None
) -> dict[str, Any]:
    return insert(
        conn,
        "health_facility",
        {
            "code": f"01{next_int() % 1000:03d}",
            "name": "Bệnh viện Bạch Mai",
            "province_code": province_code,
            "address": "78 Giải Phóng, Đống Đa, Hà Nội",
            "tier": "Trung ương",
            "deregistered_on": deregistered_on,
        },
    )


def agency(
    conn: psycopg.Connection, code: str | None = None, deregistered_on: date | None = None
) -> dict[str, Any]:
    """A partner agency besides the four the migration registers (BNV, BYT, NHCSXH, TCT)."""
    return insert(
        conn,
        "partner_agency",
        {
            "code": code or f"AG-{next_int():04d}",
            "name": "Cơ quan thử nghiệm",
            "deregistered_on": deregistered_on,
        },
    )
