"""Contribution declarations: what a declaration's lines are decided on (read inside its unit of
work, under the employer's lock), and a declaration as its answer shows it."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Date,
    and_,
    bindparam,
    cast,
    exists,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from db.contribution_rules import LineKind
from db.models import (
    ContributionDeclaration,
    ContributionDeclarationLine,
    ContributionPeriod,
    Person,
)
from db.queries.authz import is_current
from db.queries.compile import compile_query, int_keys
from db.queries.person import bhxh_code
from db.session import Reader, Row, Transaction

_EMPLOYER = bindparam("employer_id", type_=BigInteger)
_keys = select(func.unnest(cast(bindparam("keys"), ARRAY(BigInteger))).label("person_id")).subquery(
    "k"
)
_period = ContributionPeriod.__table__.alias("p")
_person = Person.__table__
_at_employer = and_(_period.c.person_id == _keys.c.person_id, _period.c.employer_id == _EMPLOYER)
_open = and_(_at_employer, _period.c.to_month.is_(None))
_line = ContributionDeclarationLine.__table__
_declaration = ContributionDeclaration.__table__

# Per person: employed now in the read policy's sense (graph.authz: a period at the employer
# running this month); a period at the employer running in or after the declared month (a hire
# would overlap it); the open rows at the employer; and the kind of the person's latest line in
# the employer's declarations in force (leave: still an employee, without contributions).
DECLARATION_FACTS = compile_query(
    "declaration_facts",
    select(
        _keys.c.person_id,
        exists().where(_at_employer, is_current(_period)).label("employed"),
        exists()
        .where(
            _at_employer,
            or_(
                _period.c.to_month.is_(None),
                _period.c.to_month >= bindparam("month", type_=Date),
            ),
        )
        .label("overlapping"),
        select(func.array_agg(aggregate_order_by(_period.c.id, _period.c.id)))
        .where(_open)
        .scalar_subquery()
        .label("open_ids"),
        select(func.array_agg(aggregate_order_by(_period.c.from_month, _period.c.id)))
        .where(_open)
        .scalar_subquery()
        .label("open_from_months"),
        select(_line.c.kind)
        .join(_declaration, _declaration.c.id == _line.c.declaration_id)
        .where(
            _line.c.person_id == _keys.c.person_id,
            _declaration.c.employer_id == _EMPLOYER,
            _declaration.c.replaced_at.is_(None),
        )
        .order_by(_declaration.c.month.desc())
        .limit(literal_column("1"))
        .scalar_subquery()
        .label("last_kind"),
    ),
)


@dataclass(frozen=True)
class PersonFacts:
    """One person as a declaration of the employer for `month` finds them."""

    employed: bool
    overlapping: bool
    open_ids: tuple[int, ...]
    """The person's rows at the employer that run on (no last month), by id."""
    open_from_months: tuple[date, ...]
    """Their first months, in the same order."""
    last_kind: LineKind | None

    @property
    def on_leave(self) -> bool:
        return not self.open_ids and self.last_kind in (
            LineKind.UNPAID_LEAVE,
            LineKind.MATERNITY_LEAVE,
        )


async def declaration_facts(
    tx: Transaction, person_ids: Sequence[int], employer_id: int, month: date
) -> dict[int, PersonFacts]:
    rows = await tx.fetch(
        DECLARATION_FACTS,
        {"keys": list(person_ids), "employer_id": employer_id, "month": month},
    )
    return {
        r["person_id"]: PersonFacts(
            employed=r["employed"],
            overlapping=r["overlapping"],
            open_ids=tuple(r["open_ids"] or ()),
            open_from_months=tuple(r["open_from_months"] or ()),
            last_kind=LineKind(r["last_kind"]) if r["last_kind"] else None,
        )
        for r in rows
    }


DECLARATION_BY_ID = compile_query(
    "declaration_by_id", select(_declaration).where(int_keys(_declaration.c.id))
)
DECLARATION_LINES = compile_query(
    "declaration_lines",
    select(_line, _person.c.identification_number, bhxh_code(_person))
    .join(_person, _person.c.id == _line.c.person_id)
    .where(int_keys(_line.c.declaration_id))
    .order_by(_line.c.declaration_id, _line.c.line_number),
)


async def declaration_by_id(db: Reader, declaration_id: int) -> Row | None:
    rows = await db.fetch(DECLARATION_BY_ID, {"keys": [declaration_id]})
    return rows[0] if rows else None


async def declaration_lines(db: Reader, declaration_id: int) -> list[Row]:
    return await db.fetch(DECLARATION_LINES, {"keys": [declaration_id]})
