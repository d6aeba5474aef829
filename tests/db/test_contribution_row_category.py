"""The participant category a contribution row was contributed under (migration 0014): the rows
the database refuses for the armed forces, and the back-fill of rows stored before."""

from datetime import date
from typing import Any

import psycopg
import pytest

from db import migrate
from db.enums import ManagingAuthority, ParticipantCategory
from db.seed import seed_database
from db.urls import libpq_conninfo
from tests.factories import employer as employers
from tests.factories import person as persons
from tests.factories import reference
from tests.factories.person import insert

ARMED_FORCES_SCHEMES = "ck_contribution_period_armed_forces_schemes"
_PC = ParticipantCategory


def _member(conn: psycopg.Connection, category: ParticipantCategory) -> dict[str, Any]:
    office = reference.office(conn)
    holder = persons.person(conn, authority=ManagingAuthority.PUBLIC_SECURITY)
    insert(
        conn,
        "social_insurance",
        {
            "person_id": holder["id"],
            "bhxh_code": f"01{holder['id']:08d}",
            "office_code": office["code"],
            "participant_category": category,
        },
    )
    return {"person": holder, "unit": employers.employer(conn, office)}


def _row(
    conn: psycopg.Connection,
    who: dict[str, Any],
    scheme: str,
    start: date,
    category: ParticipantCategory | None = None,
) -> int:
    values = {
        "person_id": who["person"]["id"],
        "scheme": scheme,
        "from_month": start,
        "to_month": date(start.year, 12, 1),
        "employer_id": None if scheme == "VOLUNTARY_SOCIAL" else who["unit"]["id"],
        "salary_vnd": 9_000_000,
        "rate_pct": 2 if scheme == "UNEMPLOYMENT" else 25,
    }
    if category is not None:
        values["participant_category"] = category
    return int(insert(conn, "contribution_period", values)["id"])


@pytest.mark.parametrize("scheme", ["UNEMPLOYMENT", "VOLUNTARY_SOCIAL"])
def test_the_armed_forces_have_no_bhtn_or_voluntary_rows(
    conn: psycopg.Connection, scheme: str
) -> None:
    police = _member(conn, _PC.POLICE_OFFICER)
    _row(conn, police, "COMPULSORY_SOCIAL", date(2024, 1, 1), _PC.POLICE_OFFICER)
    with pytest.raises(psycopg.errors.CheckViolation) as exc:
        _row(conn, police, scheme, date(2024, 1, 1), _PC.POLICE_OFFICER)
    assert exc.value.diag.constraint_name == ARMED_FORCES_SCHEMES


def test_rows_stored_before_take_an_armed_members_category(scratch_database: str) -> None:
    migrate.downgrade(scratch_database, migrate.revision_before("0014"))
    with psycopg.connect(libpq_conninfo(scratch_database), autocommit=True) as conn:
        police = _member(conn, _PC.POLICE_OFFICER)
        conscript = _member(conn, _PC.CONSCRIPT)
        clerk = _member(conn, _PC.EMPLOYEE)
        rows = {
            "police BHXH": _row(conn, police, "COMPULSORY_SOCIAL", date(2020, 1, 1)),
            "police accident": _row(conn, police, "OCCUPATIONAL_ACCIDENT", date(2020, 1, 1)),
            # A BHTN row stored before (from a job before the force) keeps no category.
            "police BHTN": _row(conn, police, "UNEMPLOYMENT", date(2020, 1, 1)),
            # Conscripts joined BHXH in 1/2016: a 2015 row was not contributed as one.
            "conscript 2015": _row(conn, conscript, "COMPULSORY_SOCIAL", date(2015, 1, 1)),
            "conscript 2016": _row(conn, conscript, "COMPULSORY_SOCIAL", date(2016, 1, 1)),
            "clerk BHXH": _row(conn, clerk, "COMPULSORY_SOCIAL", date(2020, 1, 1)),
            "clerk voluntary": _row(conn, clerk, "VOLUNTARY_SOCIAL", date(2021, 1, 1)),
        }
    migrate.upgrade(scratch_database)
    with psycopg.connect(libpq_conninfo(scratch_database)) as conn:
        stored: dict[int, str | None] = dict(
            conn.execute(
                "SELECT id, participant_category FROM contribution_period WHERE id = ANY(%s)",
                [list(rows.values())],
            ).fetchall()
        )
    assert {name: stored[i] for name, i in rows.items()} == {
        "police BHXH": "POLICE_OFFICER",
        "police accident": "POLICE_OFFICER",
        "police BHTN": None,
        "conscript 2015": None,
        "conscript 2016": "CONSCRIPT",
        "clerk BHXH": None,
        "clerk voluntary": None,
    }


def test_a_seeded_database_reads_the_same_after_the_backfill(empty_database: str) -> None:
    """The seed writes the categories itself (careers._armed); back to before 0014 and up again,
    the back-fill gives the same rows the same categories."""
    migrate.upgrade(empty_database)
    seed_database(libpq_conninfo(empty_database), persons=400, seed=5, progress=False)
    categories = "SELECT id, participant_category FROM contribution_period ORDER BY id"
    with psycopg.connect(libpq_conninfo(empty_database)) as conn:
        seeded = conn.execute(categories).fetchall()
    assert any(category is not None for _, category in seeded), "the seed has officers"
    migrate.downgrade(empty_database, migrate.revision_before("0014"))
    migrate.upgrade(empty_database)
    with psycopg.connect(libpq_conninfo(empty_database)) as conn:
        assert conn.execute(categories).fetchall() == seeded
