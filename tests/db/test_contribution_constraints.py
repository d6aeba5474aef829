"""Contribution rows the database refuses (migration 0011): BHTN months without BHXH in the same
months, checked at commit, and a row starting after the current month."""

import json
from datetime import date
from typing import Any

import psycopg
import pytest

from db import bhyt_rules, migrate
from db.contribution_rules import month_of
from db.seed import seed_database
from db.urls import libpq_conninfo
from tests.factories import employer as employers
from tests.factories import person as persons
from tests.factories import reference
from tests.factories.person import insert

BHTN_NEEDS_BHXH = "contribution_period_bhtn_needs_bhxh"
NOT_FUTURE = "contribution_period_not_future"


@pytest.fixture
def who(conn: psycopg.Connection) -> dict[str, Any]:
    office = reference.office(conn)
    return {"person": persons.person(conn), "employer": employers.employer(conn, office)}


def _row(who: dict[str, Any], scheme: str, start: date, end: date | None) -> dict[str, Any]:
    return {
        "person_id": who["person"]["id"],
        "scheme": scheme,
        "from_month": start,
        "to_month": end,
        "employer_id": who["employer"]["id"],
        "salary_vnd": 9_000_000,
        "rate_pct": 1 if scheme == "UNEMPLOYMENT" else 8,
    }


def _bhxh(conn: psycopg.Connection, who: dict[str, Any], start: date, end: date | None) -> int:
    return int(
        insert(conn, "contribution_period", _row(who, "COMPULSORY_SOCIAL", start, end))["id"]
    )


def _bhtn(conn: psycopg.Connection, who: dict[str, Any], start: date, end: date | None) -> int:
    return int(insert(conn, "contribution_period", _row(who, "UNEMPLOYMENT", start, end))["id"])


def _check(exc: pytest.ExceptionInfo[psycopg.errors.CheckViolation], constraint: str) -> None:
    assert exc.value.diag.constraint_name == constraint


def test_bhtn_alone_is_refused(conn: psycopg.Connection, who: dict[str, Any]) -> None:
    # Autocommit: the deferred check runs when the statement's transaction commits.
    with pytest.raises(psycopg.errors.CheckViolation) as exc:
        _bhtn(conn, who, date(2020, 1, 1), date(2020, 6, 1))
    _check(exc, BHTN_NEEDS_BHXH)


def test_one_transaction_may_write_bhtn_before_bhxh(
    conn: psycopg.Connection, who: dict[str, Any]
) -> None:
    with conn.transaction():
        _bhtn(conn, who, date(2020, 1, 1), date(2020, 6, 1))
        _bhxh(conn, who, date(2019, 1, 1), date(2020, 12, 1))
    assert conn.execute("SELECT count(*) FROM contribution_period").fetchone() == (2,)


def test_months_covered_by_adjacent_rows_but_not_across_a_gap(
    conn: psycopg.Connection, who: dict[str, Any]
) -> None:
    _bhxh(conn, who, date(2020, 1, 1), date(2020, 3, 1))
    _bhxh(conn, who, date(2020, 4, 1), date(2020, 6, 1))
    _bhxh(conn, who, date(2020, 8, 1), date(2020, 12, 1))  # July missing
    _bhtn(conn, who, date(2020, 2, 1), date(2020, 6, 1))
    with pytest.raises(psycopg.errors.CheckViolation) as exc:
        _bhtn(conn, who, date(2020, 6, 1), date(2020, 8, 1))
    _check(exc, BHTN_NEEDS_BHXH)
    # Another person's BHXH covers nothing of this one's.
    other = {**who, "person": persons.person(conn)}
    _bhxh(conn, other, date(2020, 7, 1), date(2020, 7, 1))
    with pytest.raises(psycopg.errors.CheckViolation):
        _bhtn(conn, who, date(2020, 7, 1), date(2020, 7, 1))


def test_an_ongoing_bhtn_row_needs_an_ongoing_bhxh_row(
    conn: psycopg.Connection, who: dict[str, Any]
) -> None:
    _bhxh(conn, who, date(2020, 1, 1), date(2024, 12, 1))
    with pytest.raises(psycopg.errors.CheckViolation) as exc:
        _bhtn(conn, who, date(2023, 1, 1), None)
    _check(exc, BHTN_NEEDS_BHXH)
    _bhxh(conn, who, date(2025, 1, 1), None)
    _bhtn(conn, who, date(2023, 1, 1), None)


def test_bhxh_under_bhtn_cannot_shrink_or_go(conn: psycopg.Connection, who: dict[str, Any]) -> None:
    bhxh = _bhxh(conn, who, date(2020, 1, 1), None)
    bhtn = _bhtn(conn, who, date(2021, 1, 1), date(2021, 12, 1))
    statements = [
        ("UPDATE contribution_period SET to_month = '2021-06-01' WHERE id = %s", bhxh),
        ("UPDATE contribution_period SET from_month = '2021-02-01' WHERE id = %s", bhxh),
        (
            "UPDATE contribution_period SET scheme = 'VOLUNTARY_SOCIAL', employer_id = NULL"
            " WHERE id = %s",
            bhxh,
        ),
        ("DELETE FROM contribution_period WHERE id = %s", bhxh),
        (
            "UPDATE contribution_period SET to_month = NULL, from_month = '2019-01-01'"
            " WHERE id = %s",
            bhtn,
        ),
    ]
    for statement, row in statements:
        with pytest.raises(psycopg.errors.CheckViolation) as exc:
            conn.execute(statement, [row])
        _check(exc, BHTN_NEEDS_BHXH)
    # Closing the compulsory row after the BHTN months, or deleting both, is fine.
    conn.execute("UPDATE contribution_period SET to_month = '2021-12-01' WHERE id = %s", [bhxh])
    with conn.transaction():
        conn.execute("DELETE FROM contribution_period WHERE id = %s", [bhxh])
        conn.execute("DELETE FROM contribution_period WHERE id = %s", [bhtn])


def test_the_runtime_role_is_refused_too(
    conn: psycopg.Connection, who: dict[str, Any], runtime_url: str
) -> None:
    """The API's writes, as the runtime role inside a unit of work (an actor set), commit the
    same way: refused at commit."""
    actor = json.dumps(
        {
            "role": "EMPLOYER",
            "subject": "hr-1",
            "request_id": "r",
            "operation": "test",
            "grounds": [],
        }
    )
    with psycopg.connect(libpq_conninfo(runtime_url)) as api:
        api.execute("SELECT set_config('bhxh.actor', %s, true)", [actor])
        _bhtn(api, who, date(2020, 1, 1), date(2020, 6, 1))  # accepted until commit
        with pytest.raises(psycopg.errors.CheckViolation) as exc:
            api.commit()
        _check(exc, BHTN_NEEDS_BHXH)
        api.execute("SELECT set_config('bhxh.actor', %s, true)", [actor])
        next_year = date(bhyt_rules.today().year + 1, 1, 1)
        with pytest.raises(psycopg.errors.CheckViolation) as exc:
            _bhxh(api, who, next_year, None)
        _check(exc, NOT_FUTURE)


def test_no_row_starts_after_the_current_month(
    conn: psycopg.Connection, who: dict[str, Any]
) -> None:
    this_month = month_of(bhyt_rules.today())
    next_month = date(this_month.year + this_month.month // 12, this_month.month % 12 + 1, 1)
    with pytest.raises(psycopg.errors.CheckViolation) as exc:
        _bhxh(conn, who, next_month, None)
    _check(exc, NOT_FUTURE)
    row = _bhxh(conn, who, this_month, None)
    with pytest.raises(psycopg.errors.CheckViolation) as exc:
        conn.execute(
            "UPDATE contribution_period SET from_month = %s WHERE id = %s", [next_month, row]
        )
    _check(exc, NOT_FUTURE)


def test_voluntary_months_may_be_paid_ahead(conn: psycopg.Connection, who: dict[str, Any]) -> None:
    """Law 41/2024 art. 36: a voluntary contributor may pay up to five years ahead."""
    this_month = month_of(bhyt_rules.today())
    next_year = date(this_month.year + 1, this_month.month, 1)
    conn.execute(
        "INSERT INTO contribution_period (person_id, scheme, from_month, to_month, salary_vnd,"
        " rate_pct) VALUES (%s, 'VOLUNTARY_SOCIAL', %s, %s, 1500000, 22)",
        [who["person"]["id"], next_year, next_year],
    )


def test_the_migration_checks_rows_already_stored(scratch_database: str) -> None:
    before = migrate.revision_before("0011")
    migrate.downgrade(scratch_database, before)
    with psycopg.connect(libpq_conninfo(scratch_database), autocommit=True) as conn:
        office = reference.office(conn)
        who = {"person": persons.person(conn), "employer": employers.employer(conn, office)}
        _bhtn(conn, who, date(2020, 1, 1), date(2020, 6, 1))
    with pytest.raises(Exception, match=BHTN_NEEDS_BHXH):
        migrate.upgrade(scratch_database)
    with psycopg.connect(libpq_conninfo(scratch_database), autocommit=True) as conn:
        _bhxh(conn, who, date(2020, 1, 1), date(2020, 6, 1))
    migrate.upgrade(scratch_database)


def test_a_seeded_database_satisfies_the_new_constraints(scratch_database: str) -> None:
    """Downgrading drops them, upgrading adds them again over the seeded rows."""
    seed_database(libpq_conninfo(scratch_database), persons=200, seed=11, progress=False)
    migrate.downgrade(scratch_database, migrate.revision_before("0011"))
    migrate.upgrade(scratch_database)
    with psycopg.connect(libpq_conninfo(scratch_database)) as conn:
        assert conn.execute("SELECT count(*) FROM bhtn_rows_without_bhxh()").fetchone() == (0,)
        bhtn = conn.execute(
            "SELECT count(*) FROM contribution_period WHERE scheme = 'UNEMPLOYMENT'"
        ).fetchone()
    assert bhtn is not None and bhtn[0] > 0
