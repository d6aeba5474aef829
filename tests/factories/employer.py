from datetime import date
from typing import Any

import psycopg

from db.identifiers import make_tax_code
from tests.factories.person import insert
from tests.factories.sequence import next_int


def employer(
    conn: psycopg.Connection,
    office: dict[str, Any],
    name: str = "Công ty TNHH Sao Mai",
    deregistered_on: date | None = None,
) -> dict[str, Any]:
    tax_code = None
    while tax_code is None:
        n = next_int()
        tax_code = make_tax_code("01", n)
    return insert(
        conn,
        "employer",
        {
            "tax_code": tax_code,
            "name": name,
            "enterprise_code": tax_code,
            "unit_code": f"TA{n:05d}",
            "head_office_address": "1 Tràng Tiền, Hà Nội",
            "province_code": "01",
            "business_lines": ["Sản xuất phần mềm"],
            "phone": "0241234567",
            "email": "lienhe@saomai.vn",
            "enterprise_type": "LIMITED_COMPANY",
            "office_code": office["code"],
            "deregistered_on": deregistered_on,
        },
    )


def employment(
    conn: psycopg.Connection, person: dict[str, Any], employer: dict[str, Any], *, current: bool
) -> dict[str, Any]:
    """One compulsory contribution period of `person` at `employer`: open-ended when `current`,
    else ended in 2015."""

    return insert(
        conn,
        "contribution_period",
        {
            "person_id": person["id"],
            "scheme": "COMPULSORY_SOCIAL",
            "from_month": date(2012, 1, 1),
            "to_month": None if current else date(2015, 12, 1),
            "employer_id": employer["id"],
            "job_title": "Nhân viên",
            "salary_vnd": 9_000_000,
            "rate_pct": 8,
        },
    )
