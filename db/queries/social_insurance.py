"""The BHXH participant record, contribution periods, totals and benefit decisions."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Date,
    FromClause,
    Label,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    or_,
    select,
    text,
)

from db.enums import BenefitRegime, Scheme
from db.models import (
    Benefit,
    ContributionPeriod,
    Employer,
    SocialInsurance,
    SocialInsuranceOffice,
)
from db.queries.compile import align_many, align_one, carried, carry, compile_query, int_keys
from db.queries.paging import PageParams, fetch_pages, fetch_rows, keyset_page, overlapping
from db.queries.period_values import period_values
from db.rules import MATERNITY_WORKING_DAYS
from db.session import Query, Reader, Row

_COMPULSORY = Scheme.COMPULSORY_SOCIAL.value
_VOLUNTARY = Scheme.VOLUNTARY_SOCIAL.value
_MATERNITY = BenefitRegime.MATERNITY.value
_LUMP_SUM = BenefitRegime.LUMP_SUM_WITHDRAWAL.value

_issuing = SocialInsuranceOffice.__table__.alias("issuing_office")


def _record(record: FromClause, office: FromClause, issuing: FromClause) -> list[Any]:
    """A social insurance record's row as its loader reads it: the record and its offices'
    names."""
    return [
        *record.c,
        office.c.name.label("office_name"),
        issuing.c.name.label("issuing_office_name"),
    ]


_record_table = SocialInsurance.__table__
_office = SocialInsuranceOffice.__table__
SOCIAL_INSURANCE_BY_PERSON = compile_query(
    "social_insurance_by_person",
    select(*_record(_record_table, _office, _issuing))
    .join(_office, _office.c.code == _record_table.c.office_code)
    .outerjoin(_issuing, _issuing.c.code == _record_table.c.issuing_office_code)
    .where(int_keys(_record_table.c.person_id)),
    keyed_by=("person_id",),
)

SOCIAL = "social_insurance__"
"""The prefix of the social insurance record a person's row carries (`carried_social_insurance`)."""


def carried_social_insurance(person: FromClause) -> tuple[FromClause, list[Label[Any]]]:
    """`person` with `SOCIAL_INSURANCE_BY_PERSON`'s row of each person outer-joined (a person may
    have none), and the columns that carry it (compile.carry)."""
    record = _record_table.alias("carried_social_insurance")
    office = _office.alias("carried_office")
    issuing = _office.alias("carried_issuing_office")
    joined = (
        person.outerjoin(record, record.c.person_id == person.c.id)
        .outerjoin(office, office.c.code == record.c.office_code)
        .outerjoin(issuing, issuing.c.code == record.c.issuing_office_code)
    )
    return joined, carry(SOCIAL, _record(record, office, issuing))


EMPLOYER = "employer__"
"""The prefix of the employer a contribution period's row carries (compile.carried): the
`employer` of a page's periods then costs no statement of its own."""

# A period's months, amounts and state support (db.queries.period_values) are page columns:
# computed on the page's rows, not on every row of the history the page is ranked among.

_periods = ContributionPeriod.__table__
_employer = Employer.__table__.alias("period_employer")


def _periods_page(name: str, **rows: Any) -> Query:
    return compile_query(
        name,
        keyset_page(
            _periods,
            list(_periods.c),
            parent="person_id",
            sort="from_month",
            sort_type=Date(),
            filters=(
                or_(
                    cast(bindparam("schemes"), ARRAY(Text)).is_(None),
                    _periods.c.scheme == any_(cast(bindparam("schemes"), ARRAY(Text))),
                ),
                *overlapping(_periods.c.from_month, _periods.c.to_month),
                or_(
                    cast(bindparam("employer"), BigInteger).is_(None),
                    _periods.c.employer_id == cast(bindparam("employer"), BigInteger),
                ),
            ),
            **rows,
        ),
    )


CONTRIBUTION_PERIODS_PAGE = _periods_page(
    "contribution_periods_page",
    page_columns=lambda rows: [*carry(EMPLOYER, list(_employer.c)), *period_values(rows)],
    page_join=lambda rows: (_employer, and_(rows.c._first, _employer.c.id == rows.c.employer_id)),
    first_of="employer_id",
)
CONTRIBUTION_PERIOD_ROWS = _periods_page(
    "contribution_periods_uncarried", page_columns=period_values
)
"""The same page for graph.compiled.json_pages, which joins each row's employer itself: no
employer carried, no window to find a page's first row of each."""

# The book's totals, one row per person and scheme, in one statement (DOMAIN.md "Rules a review
# asked for"). Months are counted once even where periods overlap (duplicate books, two part-time
# employers).
# - Today is Vietnam's (db.bhyt_rules.today; `vietnam_today()` in the database, migration 0018).
# - Never ahead: a row counts up to the current month only; its later months (prepaid voluntary
#   months, Law 41/2024 art. 36) are `prepaid_months`, apart. A row starting later counts nothing.
# - Maternity: a month with at least 14 working days of maternity leave counts as compulsory
#   contribution time without payment (Law 58/2014 art. 39(2), Law 41/2024's maternity
#   section): months of a MATERNITY benefit no compulsory row covers join the compulsory total
#   (`maternity_months` shows them). Working days are Monday to Friday of the month inside the benefit's period and
#   not after today (`db.rules.maternity_working_days`, this service's reading: the book holds
#   no work schedule or holiday calendar).
# - Settled: months of rows a lump-sum withdrawal settled are `settled_months`, not `months`; a
#   maternity month is settled when a withdrawal was decided in a later month.
# - Pension: `pension_months` (per person, on every row) counts a month once across the
#   compulsory (maternity included) and voluntary totals, settled months excluded;
#   `pension_settled_months` likewise.
# - BHTN: `months_since_last_claim` counts months from the latest unemployment claim's filing.
# Cost: no row per month of a contribution row, so a long book costs what a short one does. A row
# is its months as numbers (year * 12 + month), `first` to `last` (an ongoing row's last is this
# month; an ongoing row starting later is left out); a counted maternity month is a row of one
# month. A union of rows is counted by a sweep: over the rows sorted by `first`, each row adds
# its months from `greatest(first, the earlier rows' greatest last + 1)` to its `last` (the
# earlier rows start no later, so they cover every month up to that greatest last), clipped to up
# to this month, after it, or from the claim's filing. Three sweeps, two sorts: per person and
# settled state over the compulsory and voluntary rows (the pension counts, summed per person
# over the groups), per scheme and settled state (`months`, `settled_months`: a month a settled
# row and an unsettled one both cover counts in both) and per scheme (`prepaid_months`,
# `months_since_last_claim`: any state). A maternity month sorts after the rows starting with
# it: it is `covered` when an earlier compulsory row of any state reaches it, and is then
# counted nowhere (its month is within that row's, so it moves no sweep's bound for later
# rows); two leaves' same month count once. Maternity months are still generated (a few per
# leave); their working days are counted by arithmetic (weekdays since 0001-01-01, a Monday) and
# their settlement from the person's latest lump sum, looked up once per leave. Against the
# earlier statement (a row per month, count(DISTINCT)): 0.4-0.5x its time per book with a
# history, ~0.1-0.15x for 500 books at once (bench numbers in the commit).
# Plans: nothing is tested against contribution_period itself (under a generic plan, db.session,
# such an anti-join hashed every compulsory row of the table, ~50 ms at 20 k persons).
CONTRIBUTION_TOTALS_BY_PERSON = compile_query(
    "contribution_totals_by_person",
    text(
        f"""
WITH today AS (
    SELECT day AS today,
           CAST(date_part('year', day) * 12 + date_part('month', day) AS integer) AS this_month
    FROM (SELECT vietnam_today() AS day) AS vietnam
), period AS (
    SELECT p.person_id, p.scheme, p.settled_by IS NOT NULL AS settled, false AS maternity,
           CAST(date_part('year', month.first) * 12 + date_part('month', month.first) AS integer)
               AS first,
           coalesce(
               CAST(date_part('year', month.last) * 12 + date_part('month', month.last) AS integer),
               today.this_month
           ) AS last
    FROM contribution_period p
    CROSS JOIN today
    CROSS JOIN LATERAL (
        SELECT CAST(p.from_month AS timestamp) AS first, CAST(p.to_month AS timestamp) AS last
    ) AS month
    WHERE p.person_id = ANY(CAST(:keys AS BIGINT[]))
), maternity_month AS (
    SELECT b.person_id, '{_COMPULSORY}' AS scheme,
           coalesce(lump.decided_on >= m.month + interval '1 month', false) AS settled,
           true AS maternity, m.number AS first, m.number AS last
    FROM benefit b
    CROSS JOIN today
    CROSS JOIN LATERAL (
        SELECT least(coalesce(b.period_to, today.today), today.today) AS last_day
    ) AS leave
    CROSS JOIN LATERAL (
        SELECT max(s.decided_on) AS decided_on FROM benefit s
        WHERE s.person_id = b.person_id AND s.regime = '{_LUMP_SUM}'
    ) AS lump
    CROSS JOIN LATERAL generate_series(
        CAST(date_trunc('month', b.period_from) AS timestamp),
        CAST(date_trunc('month', leave.last_day) AS timestamp),
        interval '1 month'
    ) AS g(month)
    CROSS JOIN LATERAL (
        SELECT g.month,
               CAST(date_part('year', g.month) * 12 + date_part('month', g.month) AS integer)
                   AS number,
               greatest(b.period_from, CAST(g.month AS date)) - 1 - DATE '0001-01-01' AS before,
               least(leave.last_day, CAST(g.month + interval '1 month - 1 day' AS date))
                   - DATE '0001-01-01' AS through
    ) AS m
    WHERE b.person_id = ANY(CAST(:keys AS BIGINT[])) AND b.regime = '{_MATERNITY}'
      AND 5 * (m.through / 7) + least(mod(m.through, 7) + 1, 5)
          - 5 * (m.before / 7) - least(mod(m.before, 7) + 1, 5) >= {MATERNITY_WORKING_DAYS}
), pension_swept AS (
    SELECT *,
           CASE WHEN scheme IN ('{_COMPULSORY}', '{_VOLUNTARY}') THEN greatest(first, CASE
               WHEN settled THEN max(last) FILTER (
                   WHERE settled AND scheme IN ('{_COMPULSORY}', '{_VOLUNTARY}')
               ) OVER person
               ELSE max(last) FILTER (
                   WHERE NOT settled AND scheme IN ('{_COMPULSORY}', '{_VOLUNTARY}')
               ) OVER person
           END + 1) END AS new_in_pension
    FROM (
        SELECT * FROM period WHERE first <= last UNION ALL SELECT * FROM maternity_month
    ) AS book_row
    WINDOW person AS (
        PARTITION BY person_id ORDER BY first, maternity
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    )
), swept AS (
    SELECT person_id, scheme, settled, maternity, last, new_in_pension,
           greatest(first, CASE WHEN settled THEN max(last) FILTER (WHERE settled) OVER scheme
                                ELSE max(last) FILTER (WHERE NOT settled) OVER scheme END + 1)
               AS new_in_state,
           greatest(first, max(last) OVER scheme + 1) AS new_in_scheme,
           maternity AND max(last) FILTER (WHERE NOT maternity) OVER scheme >= first AS covered
    FROM pension_swept
    WINDOW scheme AS (
        PARTITION BY person_id, scheme ORDER BY first, maternity
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    )
), claim AS (
    SELECT person_id,
           CAST(date_part('year', filed_on) * 12 + date_part('month', filed_on) AS integer)
               + CASE WHEN date_part('day', filed_on) > 1 THEN 1 ELSE 0 END AS first
    FROM (
        SELECT person_id, CAST(max(filed_on) AS timestamp) AS filed_on FROM unemployment_benefit
        WHERE person_id = ANY(CAST(:keys AS BIGINT[]))
        GROUP BY person_id
    ) AS latest
)
SELECT s.person_id, s.scheme,
       coalesce(sum(greatest(least(s.last, t.this_month) - s.new_in_state + 1, 0))
           FILTER (WHERE NOT s.settled), 0) AS months,
       coalesce(sum(greatest(least(s.last, t.this_month) - s.new_in_state + 1, 0))
           FILTER (WHERE s.settled), 0) AS settled_months,
       coalesce(sum(greatest(least(s.last, t.this_month) - s.new_in_state + 1, 0))
           FILTER (WHERE s.maternity AND NOT s.settled), 0) AS maternity_months,
       sum(greatest(s.last - greatest(s.new_in_scheme, t.this_month + 1) + 1, 0))
           AS prepaid_months,
       sum(greatest(
           least(s.last, t.this_month)
               - greatest(s.new_in_scheme, coalesce(claim.first, t.this_month + 1)) + 1,
           0
       )) AS months_since_last_claim,
       coalesce(CAST(sum(sum(greatest(least(s.last, t.this_month) - s.new_in_pension + 1, 0))
           FILTER (WHERE NOT s.settled)) OVER person AS bigint), 0) AS pension_months,
       coalesce(CAST(sum(sum(greatest(least(s.last, t.this_month) - s.new_in_pension + 1, 0))
           FILTER (WHERE s.settled)) OVER person AS bigint), 0) AS pension_settled_months
FROM swept s
CROSS JOIN today t
LEFT JOIN claim ON claim.person_id = s.person_id
WHERE s.covered IS NOT TRUE
GROUP BY s.person_id, s.scheme
WINDOW person AS (PARTITION BY s.person_id)
ORDER BY s.person_id, s.scheme
"""
    ),
    keyed_by=("person_id",),
)

_benefits = Benefit.__table__


def _office_name(code: ColumnElement[str | None], label: str) -> Label[str | None]:
    """The named office's name, by its primary key (one index probe per row, no loader)."""
    office = SocialInsuranceOffice.__table__.alias("paying_office")
    return select(office.c.name).where(office.c.code == code).scalar_subquery().label(label)


BENEFITS_PAGE = compile_query(
    "benefits_page",
    keyset_page(
        _benefits,
        list(_benefits.c),
        parent="person_id",
        sort="period_from",
        sort_type=Date(),
        filters=overlapping(_benefits.c.period_from, _benefits.c.period_to),
        page_columns=lambda rows: [_office_name(rows.c.paying_office_code, "paying_office_name")],
    ),
)

BENEFIT_BY_ID = compile_query(
    "benefit_by_id",
    select(_benefits, _office_name(_benefits.c.paying_office_code, "paying_office_name")).where(
        _benefits.c.id == bindparam("id")
    ),
)


async def social_insurance_by_person(db: Reader, keys: Sequence[int]) -> list[Row | None]:
    rows = await db.fetch(SOCIAL_INSURANCE_BY_PERSON, {"keys": list(keys)})
    return align_one(keys, rows, "person_id")


async def contribution_periods_page(
    db: Reader,
    keys: Sequence[int],
    page: PageParams,
    *,
    schemes: Sequence[str] | None,
    from_month: date | None,
    to_month: date | None,
    employer_id: int | None = None,
) -> tuple[list[list[Row]], list[Row]]:
    """Each person's page, and the employers its periods name (`employers_by_id`'s rows)."""
    params = {
        "schemes": list(schemes) if schemes else None,
        "employer": employer_id,
        "start": from_month,
        "end": to_month,
    }
    rows = await fetch_rows(db, CONTRIBUTION_PERIODS_PAGE, keys, page, **params)
    return align_many(keys, rows, "person_id"), carried(rows, EMPLOYER)


async def contribution_totals_by_person(db: Reader, keys: Sequence[int]) -> list[list[Row]]:
    rows = await db.fetch(CONTRIBUTION_TOTALS_BY_PERSON, {"keys": list(keys)})
    return align_many(keys, rows, "person_id")


async def benefits_page(
    db: Reader,
    keys: Sequence[int],
    page: PageParams,
    *,
    from_month: date | None,
    to_month: date | None,
) -> list[list[Row]]:
    return await fetch_pages(db, BENEFITS_PAGE, keys, page, start=from_month, end=to_month)


async def benefit_by_id(db: Reader, benefit_id: int) -> Row | None:
    rows = await db.fetch(BENEFIT_BY_ID, {"id": benefit_id})
    return rows[0] if rows else None
