from datetime import date
from typing import Any

import psycopg
from psycopg.rows import dict_row

from db.enums import DatePrecision, ManagingAuthority, RelativeKind, Sex
from db.identifiers import make_personal_id
from tests.factories.sequence import next_int


def insert(conn: psycopg.Connection, table: str, values: dict[str, Any]) -> dict[str, Any]:
    columns = ", ".join(values)
    placeholders = ", ".join(f"%({k})s" for k in values)
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) RETURNING *", values)
        row = cur.fetchone()
    assert row is not None
    return row


def person(
    conn: psycopg.Connection,
    *,
    sex: Sex = Sex.FEMALE,
    birth_date: date = date(1988, 5, 17),
    authority: ManagingAuthority = ManagingAuthority.FINANCE,
    full_name: str = "Nguyễn Thị Lan",
    **overrides: Any,
) -> dict[str, Any]:
    serial = next_int()
    values: dict[str, Any] = {
        "identification_number": make_personal_id("01", sex, birth_date.year, serial),
        "full_name": full_name,
        "birth_date": birth_date,
        "birth_date_precision": DatePrecision.DAY,
        "sex": sex,
        "ethnicity_code": "01",
        "nationality": "VN",
        "birth_registration_place": "Phường Hoàn Kiếm, Hà Nội",
        "birth_registration_province_code": "01",
        "hometown": "Xã Đông Anh, Hà Nội",
        "permanent_residence": "12 Phố Huế, Phường Hai Bà Trưng, Hà Nội",
        "residence_province_code": "01",
        "managing_authority": authority,
        "phone": f"09{serial:08d}",
        "email": f"person{serial}@example.vn",
        "contact_address": "12 Phố Huế, Hà Nội",
    }
    values.update(overrides)
    return insert(conn, "person", values)


def relative(
    conn: psycopg.Connection,
    of: dict[str, Any],
    kind: RelativeKind,
    linked: dict[str, Any] | None = None,
    full_name: str = "Trần Văn Hùng",
    identification_number: str | None = None,
) -> dict[str, Any]:
    """A relative linked to their own record, named by its personal ID, passport and
    nationality, or (`linked=None`) one the record names only: by name, and by personal ID when
    `identification_number` is given (as most are)."""
    passport = (
        (linked.get("passport_number"), linked.get("nationality", "VN")) if linked else (None, "VN")
    )
    return insert(
        conn,
        "relative",
        {
            "person_id": of["id"],
            "kind": kind,
            "full_name": linked["full_name"] if linked else full_name,
            "identification_number": (
                linked["identification_number"] if linked else identification_number
            ),
            "passport_number": passport[0],
            "nationality": passport[1],
            "relative_person_id": linked["id"] if linked else None,
        },
    )


def unrecorded_id(sex: Sex, birth_year: int) -> str:
    """A well-formed personal ID that no person row holds: a relative without a record."""
    return make_personal_id("01", sex, birth_year, next_int())
