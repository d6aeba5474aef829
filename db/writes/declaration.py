"""Contribution declaration writes (submitContributionDeclaration), inside its unit of work.

A declaration takes the employer's lock, finds the employer's declarations in force, undoes the
one of the same month when it replaces it, and then makes all its lines' changes in one
statement: the number of statements is the same for 1 line or 5,000. Each line records what it
did (rows opened, closed, removed) so that a later resubmission undoes exactly that.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

import orjson
from sqlalchemy import text

from db.enums import ParticipantCategory
from db.models import ContributionPeriod
from db.queries.compile import compile_query
from db.session import Transaction

LOCK_NAMESPACE: Final = 0x62686478  # "bhdx": pg_advisory_xact_lock(namespace, employer id)

# Two submissions of one employer wait for each other (the second then sees the first's
# declaration): the facts each decides on are read after this, under the lock. The key's second
# half is an int4: ids beyond it share a lock with another employer, which only makes them wait.
LOCK = compile_query(
    "lock_employer_declarations",
    text(
        f"SELECT pg_advisory_xact_lock({LOCK_NAMESPACE},"
        " CAST(CAST(:employer_id AS bigint) % 2147483648 AS integer))"
    ),
)
EMPLOYER_STATE = compile_query(
    "employer_declaration_state",
    text(
        "SELECT (e.deregistered_on IS NULL OR e.deregistered_on > vietnam_today()) AS active,"
        " (SELECT max(d.month) FROM contribution_declaration d"
        "  WHERE d.employer_id = e.id AND d.replaced_at IS NULL) AS latest_month,"
        " (SELECT d.id FROM contribution_declaration d WHERE d.employer_id = e.id"
        "  AND d.month = CAST(:month AS date) AND d.replaced_at IS NULL) AS in_force_id"
        " FROM employer e WHERE e.id = CAST(:employer_id AS bigint)"
    ),
)

_PERIOD_COLUMNS = ", ".join(c.name for c in ContributionPeriod.__table__.c)
# What the declaration :id did, taken back: its opened rows deleted, its closed rows open again
# (only those still ending where it closed them), its removed rows inserted again as they were;
# and it is marked replaced. The counts tell the caller whether the book was as it left it.
UNDO = compile_query(
    "undo_declaration",
    text(
        "WITH lines AS (SELECT opened_period_ids, closed_period_ids, removed_periods"
        "  FROM contribution_declaration_line WHERE declaration_id = CAST(:id AS bigint)),"
        " deleted AS (DELETE FROM contribution_period WHERE id IN"
        "  (SELECT unnest(opened_period_ids) FROM lines) RETURNING id),"
        " reopened AS (UPDATE contribution_period SET to_month = NULL WHERE id IN"
        "  (SELECT unnest(closed_period_ids) FROM lines) AND to_month = CAST(:until AS date)"
        "  RETURNING id),"
        f" restored AS (INSERT INTO contribution_period ({_PERIOD_COLUMNS})"
        f"  SELECT {', '.join(f'r.{c}' for c in _PERIOD_COLUMNS.split(', '))} FROM lines,"
        "  jsonb_populate_recordset(NULL::contribution_period, lines.removed_periods) AS r"
        "  RETURNING id),"
        " replaced AS (UPDATE contribution_declaration SET replaced_at = now()"
        "  WHERE id = CAST(:id AS bigint) AND replaced_at IS NULL RETURNING id)"
        " SELECT (SELECT count(*) FROM deleted) + (SELECT count(*) FROM reopened)"
        "  + (SELECT count(*) FROM restored) AS undone,"
        " (SELECT coalesce(sum(cardinality(opened_period_ids) + cardinality(closed_period_ids)"
        "  + jsonb_array_length(removed_periods)), 0) FROM lines) AS done,"
        " (SELECT count(*) FROM replaced) AS replaced"
    ),
)

# The category a declared row is contributed under: an employer declares ordinary compulsory
# members (Law 41/2024 art. 2(1)(a)–(d), (i)), so the person's record's category when it is one of
# these, else EMPLOYEE. The armed forces' rows never come this way: their persons are the
# ministries' and do not exist for an employer's declaration.
_DECLARED = ", ".join(
    f"'{c}'"
    for c in (
        ParticipantCategory.CIVIL_SERVANT,
        ParticipantCategory.MANAGER,
        ParticipantCategory.FOREIGN_WORKER,
    )
)
# All lines' changes at once. Rows are removed and closed only while still open (the facts were
# read under the lock, so all are: the counts prove it). Each line records the ids it opened and
# closed and the whole rows it removed, grouped by person (one line per person).
APPLY = compile_query(
    "apply_declaration",
    text(
        "WITH removed AS (DELETE FROM contribution_period"
        "  WHERE id = ANY(CAST(:remove_ids AS bigint[])) AND to_month IS NULL RETURNING *),"
        " closed AS (UPDATE contribution_period SET to_month = CAST(:until AS date)"
        "  WHERE id = ANY(CAST(:close_ids AS bigint[])) AND to_month IS NULL"
        "  RETURNING id, person_id),"
        " opened AS (INSERT INTO contribution_period (person_id, scheme, from_month, employer_id,"
        "  job_title, salary_vnd, rate_pct, participant_category)"
        "  SELECT o.person_id, o.scheme, CAST(:month AS date), CAST(:employer_id AS bigint),"
        "  o.job_title, o.salary_vnd, o.rate_pct, coalesce((SELECT s.participant_category"
        "  FROM social_insurance AS s WHERE s.person_id = o.person_id"
        f"  AND s.participant_category IN ({_DECLARED})), '{ParticipantCategory.EMPLOYEE}')"
        "  FROM unnest(CAST(:open_person_ids AS bigint[]), CAST(:open_schemes AS text[]),"
        "  CAST(:open_job_titles AS text[]), CAST(:open_salaries AS bigint[]),"
        "  CAST(:open_rates AS numeric[])) AS o(person_id, scheme, job_title, salary_vnd, rate_pct)"
        "  RETURNING id, person_id),"
        " header AS (INSERT INTO contribution_declaration (employer_id, month, wage_region,"
        "  submitted_by, replaces_id) VALUES (CAST(:employer_id AS bigint), CAST(:month AS date),"
        "  :wage_region, :submitted_by, CAST(:replaces_id AS bigint)) RETURNING id),"
        " opened_by AS (SELECT person_id, array_agg(id ORDER BY id) AS ids FROM opened"
        "  GROUP BY person_id),"
        " closed_by AS (SELECT person_id, array_agg(id ORDER BY id) AS ids FROM closed"
        "  GROUP BY person_id),"
        " removed_by AS (SELECT person_id, jsonb_agg(to_jsonb(r) ORDER BY r.id) AS rows"
        "  FROM removed AS r GROUP BY person_id),"
        " lines AS (INSERT INTO contribution_declaration_line (declaration_id, person_id,"
        "  line_number, kind, salary_vnd, job_title, schemes, outcome, opened_period_ids,"
        "  closed_period_ids, removed_periods)"
        "  SELECT header.id, l.person_id, l.line_number, l.kind, l.salary_vnd, l.job_title,"
        "  l.schemes, l.outcome, coalesce(o.ids, '{}'), coalesce(c.ids, '{}'),"
        "  coalesce(r.rows, '[]')"
        "  FROM header CROSS JOIN jsonb_to_recordset(CAST(:lines AS jsonb)) AS l(person_id bigint,"
        "  line_number integer, kind text, salary_vnd bigint, job_title text, schemes text[],"
        "  outcome text)"
        "  LEFT JOIN opened_by AS o ON o.person_id = l.person_id"
        "  LEFT JOIN closed_by AS c ON c.person_id = l.person_id"
        "  LEFT JOIN removed_by AS r ON r.person_id = l.person_id"
        "  RETURNING 1)"
        " SELECT (SELECT id FROM header) AS id, (SELECT count(*) FROM removed) AS removed,"
        " (SELECT count(*) FROM closed) AS closed, (SELECT count(*) FROM opened) AS opened,"
        " (SELECT count(*) FROM lines) AS lines"
    ),
)


@dataclass(frozen=True)
class EmployerState:
    active: bool
    latest_month: date | None
    """The greatest month of the employer's declarations in force."""
    in_force_id: int | None
    """The declaration in force for the month asked about, which a new one replaces."""


@dataclass(frozen=True)
class Opening:
    person_id: int
    scheme: str
    job_title: str
    salary_vnd: int
    rate_pct: Decimal


@dataclass(frozen=True)
class LineRecord:
    person_id: int
    line_number: int
    kind: str
    salary_vnd: int | None
    job_title: str | None
    schemes: list[str] | None
    outcome: str


@dataclass(frozen=True)
class Applied:
    declaration_id: int
    removed: int
    closed: int
    opened: int
    lines: int


async def lock_employer(tx: Transaction, employer_id: int) -> None:
    await tx.fetch(LOCK, {"employer_id": employer_id})


async def employer_state(tx: Transaction, employer_id: int, month: date) -> EmployerState:
    (row,) = await tx.fetch(EMPLOYER_STATE, {"employer_id": employer_id, "month": month})
    return EmployerState(row["active"], row["latest_month"], row["in_force_id"])


async def undo(tx: Transaction, declaration_id: int, until: date) -> bool:
    """Takes back what declaration `declaration_id` (which closed rows at `until`) did and marks
    it replaced. False when the book no longer held what it left (then nothing must be kept)."""
    (row,) = await tx.fetch(UNDO, {"id": declaration_id, "until": until})
    return bool(row["undone"] == row["done"] and row["replaced"] == 1)


async def apply(
    tx: Transaction,
    *,
    employer_id: int,
    month: date,
    until: date,
    wage_region: str,
    submitted_by: str,
    replaces_id: int | None,
    remove_ids: Sequence[int],
    close_ids: Sequence[int],
    openings: Sequence[Opening],
    lines: Sequence[LineRecord],
) -> Applied:
    params: dict[str, Any] = {
        "employer_id": employer_id,
        "month": month,
        "until": until,
        "wage_region": wage_region,
        "submitted_by": submitted_by,
        "replaces_id": replaces_id,
        "remove_ids": list(remove_ids),
        "close_ids": list(close_ids),
        "open_person_ids": [o.person_id for o in openings],
        "open_schemes": [o.scheme for o in openings],
        "open_job_titles": [o.job_title for o in openings],
        "open_salaries": [o.salary_vnd for o in openings],
        "open_rates": [str(o.rate_pct) for o in openings],
        "lines": orjson.dumps(
            [
                {
                    "person_id": line.person_id,
                    "line_number": line.line_number,
                    "kind": line.kind,
                    "salary_vnd": line.salary_vnd,
                    "job_title": line.job_title,
                    "schemes": line.schemes,
                    "outcome": line.outcome,
                }
                for line in lines
            ]
        ).decode(),
    }
    (row,) = await tx.fetch(APPLY, params)
    return Applied(row["id"], row["removed"], row["closed"], row["opened"], row["lines"])
