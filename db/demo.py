"""Look-ups `bhxh serve` needs to greet a newcomer: is the database empty, whose book to show."""

import psycopg
from sqlalchemy import func, select

from db.models import ContributionPeriod, Person
from db.queries.compile import compile_query

PERSON_COUNT = compile_query(
    "person_count", select(func.count().label("n")).select_from(Person), inline_values=True
)
# A living Finance-managed person with the longest history makes the demo book worth reading
# (the demo citizen signs in: the seed's dead do not).
RICHEST_BOOK = compile_query(
    "richest_book",
    select(Person.identification_number)
    .join(ContributionPeriod, ContributionPeriod.person_id == Person.id)
    # The demo's token names the person by personal ID (a foreign worker has none); alive.
    .where(
        Person.managing_authority == "FINANCE",
        Person.identification_number.is_not(None),
        Person.died_on.is_(None),
    )
    .group_by(Person.id)
    .order_by(func.count().desc(), Person.id)
    .limit(1),
    inline_values=True,
)


def person_count(conninfo: str) -> int:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(PERSON_COUNT.sql.encode()).fetchone()
        return int(row[0]) if row else 0


def richest_book(conninfo: str) -> str | None:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(RICHEST_BOOK.sql.encode()).fetchone()
        return str(row[0]) if row else None
