"""Migration 0009 settles the rows that ended before a lump-sum withdrawal recorded earlier, so a
book loaded before it reads as one the API (and the seed) settles."""

import psycopg

from db import migrate
from db.seed import seed_database
from db.urls import libpq_conninfo

_UNSETTLED_BEFORE_A_WITHDRAWAL = """
SELECT count(*) FROM contribution_period AS c JOIN benefit AS b
  ON b.person_id = c.person_id AND b.regime = 'LUMP_SUM_WITHDRAWAL'
 AND date_trunc('month', b.decided_on) >= c.to_month
WHERE c.scheme IN ('COMPULSORY_SOCIAL', 'VOLUNTARY_SOCIAL') AND c.settled_by IS NULL
"""

_SETTLEMENTS = "SELECT id, settled_by FROM contribution_period ORDER BY id"


def test_rows_before_an_earlier_withdrawal_are_settled_by_it(empty_database: str) -> None:
    previous = migrate.revision_before("0009")
    # The seed settles rows itself: seed, note what it settled, go back to before 0009 (which
    # drops the column) and up again, so that the back-fill settles the same rows.
    migrate.upgrade(empty_database)
    seed_database(libpq_conninfo(empty_database), persons=400, seed=5, progress=False)
    with psycopg.connect(libpq_conninfo(empty_database)) as conn:
        seeded = conn.execute(_SETTLEMENTS).fetchall()
    migrate.downgrade(empty_database, previous)
    migrate.upgrade(empty_database)
    with psycopg.connect(libpq_conninfo(empty_database)) as conn:
        assert conn.execute(_SETTLEMENTS).fetchall() == seeded
        withdrawals = conn.execute(
            "SELECT count(*) FROM benefit WHERE regime = 'LUMP_SUM_WITHDRAWAL'"
        ).fetchone()
        settled = conn.execute(
            "SELECT c.scheme, b.regime, c.to_month <= b.decided_on"
            " FROM contribution_period AS c"
            " JOIN benefit AS b ON b.person_id = c.person_id AND b.id = c.settled_by"
            " GROUP BY 1, 2, 3 ORDER BY 1"
        ).fetchall()
        left = conn.execute(_UNSETTLED_BEFORE_A_WITHDRAWAL).fetchone()
    assert withdrawals is not None and withdrawals[0] > 0, "the seed records withdrawals"
    assert {(scheme, regime, before) for scheme, regime, before in settled} <= {
        ("COMPULSORY_SOCIAL", "LUMP_SUM_WITHDRAWAL", True),
        ("VOLUNTARY_SOCIAL", "LUMP_SUM_WITHDRAWAL", True),
    }
    assert settled, "some rows are settled"
    assert left == (0,)
