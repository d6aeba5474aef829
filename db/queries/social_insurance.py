"""The BHXH participant record, contribution periods, totals and benefit decisions."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Date,
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
from db.session import Reader, Row

_COMPULSORY = Scheme.COMPULSORY_SOCIAL.value
_VOLUNTARY = Scheme.VOLUNTARY_SOCIAL.value
_MATERNITY = BenefitRegime.MATERNITY.value
_LUMP_SUM = BenefitRegime.LUMP_SUM_WITHDRAWAL.value

_issuing = SocialInsuranceOffice.__table__.alias("issuing_office")
SOCIAL_INSURANCE_BY_PERSON = compile_query(
    "social_insurance_by_person",
    select(
        SocialInsurance.__table__,
        SocialInsuranceOffice.name.label("office_name"),
        _issuing.c.name.label("issuing_office_name"),
    )
    .join(SocialInsuranceOffice, SocialInsuranceOffice.code == SocialInsurance.office_code)
    .outerjoin(_issuing, _issuing.c.code == SocialInsurance.issuing_office_code)
    .where(int_keys(SocialInsurance.person_id)),
)


EMPLOYER = "employer__"
"""The prefix of the employer a contribution period's row carries (compile.carried): the
`employer` of a page's periods then costs no statement of its own."""

# A period's months, amounts and state support (db.queries.period_values) are page columns:
# computed on the page's rows, not on every row of the history the page is ranked among.

_periods = ContributionPeriod.__table__
_employer = Employer.__table__.alias("period_employer")
CONTRIBUTION_PERIODS_PAGE = compile_query(
    "contribution_periods_page",
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
        page_columns=lambda rows: [*carry(EMPLOYER, list(_employer.c)), *period_values(rows)],
        page_join=lambda rows: (
            _employer,
            and_(rows.c._first, _employer.c.id == rows.c.employer_id),
        ),
        first_of="employer_id",
    ),
)

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
# Cost: months are generated as `timestamp`, not `timestamptz` (what generate_series makes of
# dates), which spares two time-zone conversions per month: the same first days of months, as
# whole months are added to a midnight either way. The per-person pension counts join the
# per-scheme totals after grouping, not every month row. Together ~0.87x this statement's CPU.
# Plans: a maternity month is tested against the book's own months (`period_month`), not against
# contribution_period: under a generic plan (db.session) that anti-join hashed every compulsory
# row of the table (a sequential scan, ~50 ms at 20 k persons) whenever a book had maternity leave.
CONTRIBUTION_TOTALS_BY_PERSON = compile_query(
    "contribution_totals_by_person",
    text(
        f"""
WITH today AS (
    SELECT day AS today, date_trunc('month', day)::date AS this_month
    FROM (SELECT vietnam_today() AS day) AS vietnam
), period_month AS (
    SELECT p.person_id, p.scheme, m.month::date AS month, p.settled_by IS NOT NULL AS settled,
           false AS maternity
    FROM contribution_period p
    CROSS JOIN LATERAL generate_series(
        CAST(p.from_month AS timestamp),
        CAST(coalesce(p.to_month, (SELECT this_month FROM today)) AS timestamp),
        interval '1 month'
    ) AS m(month)
    WHERE p.person_id = ANY(CAST(:keys AS BIGINT[]))
), maternity_month AS (
    SELECT DISTINCT b.person_id, '{_COMPULSORY}' AS scheme, m.month::date AS month,
           EXISTS (
               SELECT 1 FROM benefit s
               WHERE s.person_id = b.person_id AND s.regime = '{_LUMP_SUM}'
                 AND s.decided_on >= m.month + interval '1 month'
           ) AS settled,
           true AS maternity
    FROM benefit b
    CROSS JOIN LATERAL (
        SELECT least(coalesce(b.period_to, today), today) AS last_day FROM today
    ) AS leave
    CROSS JOIN LATERAL generate_series(
        date_trunc('month', b.period_from), date_trunc('month', leave.last_day), interval '1 month'
    ) AS m(month)
    WHERE b.person_id = ANY(CAST(:keys AS BIGINT[])) AND b.regime = '{_MATERNITY}'
      AND (
          SELECT count(*) FROM generate_series(
              greatest(b.period_from, m.month),
              least(leave.last_day, (m.month + interval '1 month - 1 day')::date),
              interval '1 day'
          ) AS d(day)
          WHERE extract(isodow FROM d.day) < 6
      ) >= {MATERNITY_WORKING_DAYS}
      AND NOT EXISTS (
          SELECT 1 FROM period_month c
          WHERE c.person_id = b.person_id AND c.scheme = '{_COMPULSORY}' AND c.month = m.month::date
      )
), book_month AS (
    SELECT * FROM period_month UNION ALL SELECT * FROM maternity_month
), counted AS (
    SELECT book_month.* FROM book_month, today WHERE book_month.month <= today.this_month
), pension AS (
    SELECT person_id,
           count(DISTINCT month) FILTER (WHERE NOT settled) AS pension_months,
           count(DISTINCT month) FILTER (WHERE settled) AS pension_settled_months
    FROM counted WHERE scheme IN ('{_COMPULSORY}', '{_VOLUNTARY}')
    GROUP BY person_id
), claim AS (
    SELECT person_id, max(filed_on) AS filed_on FROM unemployment_benefit
    WHERE person_id = ANY(CAST(:keys AS BIGINT[]))
    GROUP BY person_id
)
SELECT totals.person_id, totals.scheme, totals.months, totals.settled_months,
       totals.maternity_months, totals.prepaid_months, totals.months_since_last_claim,
       coalesce(pension.pension_months, 0) AS pension_months,
       coalesce(pension.pension_settled_months, 0) AS pension_settled_months
FROM (
    SELECT book_month.person_id, book_month.scheme,
           count(DISTINCT month) FILTER (WHERE month <= this_month AND NOT settled) AS months,
           count(DISTINCT month) FILTER (WHERE month <= this_month AND settled) AS settled_months,
           count(DISTINCT month) FILTER (WHERE month <= this_month AND maternity AND NOT settled)
               AS maternity_months,
           count(DISTINCT month) FILTER (WHERE month > this_month) AS prepaid_months,
           count(DISTINCT month) FILTER (WHERE month <= this_month AND month >= claim.filed_on)
               AS months_since_last_claim
    FROM book_month
    CROSS JOIN today
    LEFT JOIN claim ON claim.person_id = book_month.person_id
    GROUP BY book_month.person_id, book_month.scheme
) AS totals
LEFT JOIN pension ON pension.person_id = totals.person_id
ORDER BY totals.person_id, totals.scheme
"""
    ),
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
