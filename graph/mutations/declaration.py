"""The employer's monthly contribution declaration (báo tăng, giảm lao động, điều chỉnh mức đóng).

An EMPLOYER user declares, for its own organisation (the token's `org`) and one month, lines per
employee. The lines are checked on their own first; then, inside the unit of work and under the
employer's lock (two submissions of one employer run one after the other), the declaration of
the same month in force is undone, each line is decided by the write policy on facts read there
(so that a replaced declaration's own hires and leaves do not count, and a concurrent one's do),
and all lines are applied in one statement. Any failing line fails the whole declaration.
"""

from datetime import date
from typing import Annotated, Any

import strawberry

from db import contribution_rules as rules
from db.queries import declaration as declaration_queries
from db.queries.declaration import PersonFacts
from db.session import Transaction
from db.writes import declaration as declaration_writes
from graph.authz.principal import Role
from graph.authz.write_policy import WriteAccess
from graph.context import Info
from graph.errors import BadUserInput, Forbidden
from graph.mutations.declaration_lines import (
    Line,
    LineErrors,
    LineFailure,
    checked_lines,
    plan_lines,
)
from graph.types.declaration import (
    MAX_LINES,
    ContributionDeclaration,
    ContributionDeclarationInput,
)
from graph.writes import KEY_DESCRIPTION, Conflict, perform

_ONLY_EMPLOYERS = "only an employer declares contributions, for its own organisation"
_INACTIVE = "the token's organisation is not an active employer: it cannot declare"


def _active(employer: dict[str, Any] | None) -> bool:
    return employer is not None and (
        employer["deregistered_on"] is None or employer["deregistered_on"] > date.today()
    )


def _month(input: ContributionDeclarationInput) -> date:
    month: date = input.month
    if (problem := rules.month_problem(month, date.today())) is not None:
        raise BadUserInput("input.month", problem)
    if not 1 <= len(input.lines) <= MAX_LINES:
        raise BadUserInput("input.lines", f"must hold 1 to {MAX_LINES:,} lines")
    return month


async def _declaration(
    info: Info, declaration_id: int, employer: dict[str, Any]
) -> ContributionDeclaration:
    reader = info.context.reader
    row = await declaration_queries.declaration_by_id(reader, declaration_id)
    # Written by this request, or by the attempt it replays: a key is its caller's, and a
    # caller of an employer declares for that employer only.
    assert row is not None and row["employer_id"] == employer["id"]
    lines = await declaration_queries.declaration_lines(reader, declaration_id)
    return ContributionDeclaration(row=row, line_rows=lines, employer_row=employer)


@strawberry.type
class DeclarationMutations:
    @strawberry.federation.mutation(
        authenticated=True,
        description=(
            "Kê khai tăng, giảm lao động, điều chỉnh mức đóng — an employer's changes for a"
            " month: hires (START), salary changes, ends, leaves and returns of its employees."
            " Opens, changes and closes the employees' contribution periods at once; every line"
            " that fails is reported in one BAD_USER_INPUT error (`extensions.lines`) and"
            " nothing is declared. Sending the latest declared month again replaces it."
        ),
    )
    async def submit_contribution_declaration(
        self,
        info: Info,
        input: Annotated[
            ContributionDeclarationInput,
            strawberry.argument(description="The month, the wage region and the lines."),
        ],
        idempotency_key: Annotated[str, strawberry.argument(description=KEY_DESCRIPTION)],
    ) -> ContributionDeclaration:
        principal = info.context.require_principal()
        if principal.role is not Role.EMPLOYER or not principal.org:
            raise Forbidden(_ONLY_EMPLOYERS)
        employer = await info.context.loaders.employer_by_tax_code.load(principal.org)
        if not _active(employer):
            raise Forbidden(_INACTIVE)
        employer_id: int = employer["id"]
        month = _month(input)
        until = rules.previous_month(month)
        lines, failures = checked_lines(input.lines, month, input.wage_region)
        idents = [line.identification_number for line in lines]
        found = await info.context.loaders.person_by_identification_number.load_many(idents)
        persons = dict(zip(idents, found, strict=True))
        # Every line an employer may make is allowed on this ground (decide_write's, checked
        # line by line in the transaction): the change log records it for the declaration.
        access = WriteAccess(relation=str(Role.EMPLOYER), grounds=(f"employment:{principal.org}",))

        async def declare(tx: Transaction) -> dict[str, int]:
            await declaration_writes.lock_employer(tx, employer_id)
            state = await declaration_writes.employer_state(tx, employer_id, month)
            if not state.active:
                raise Forbidden(_INACTIVE)
            if state.latest_month is not None and month < state.latest_month:
                raise BadUserInput(
                    "input.month",
                    f"is before {state.latest_month:%m/%Y}, this employer's latest declared"
                    " month: only the latest month can be sent again; correct earlier months"
                    " in the declaration of the current month",
                )
            if state.in_force_id is not None and not await declaration_writes.undo(
                tx, state.in_force_id, until
            ):
                raise Conflict(
                    "the contribution periods the earlier declaration of this month changed have"
                    " changed since: it cannot be replaced exactly; ask the insurance office"
                )
            facts = await declaration_queries.declaration_facts(
                tx, [p["id"] for p in persons.values() if p is not None], employer_id, month
            )
            return await _apply(tx, lines, failures, persons, facts, state.in_force_id)

        async def _apply(
            tx: Transaction,
            lines: list[Line],
            failures: list[LineFailure],
            persons: dict[str, Any],
            facts: dict[int, PersonFacts],
            replaces_id: int | None,
        ) -> dict[str, int]:
            plan, refused = plan_lines(
                lines,
                persons,
                facts,
                principal=principal,
                employer_id=employer_id,
                access=access,
                month=month,
            )
            if failures or refused:
                raise LineErrors([*failures, *refused], total=len(input.lines))
            applied = await declaration_writes.apply(
                tx,
                employer_id=employer_id,
                month=month,
                until=until,
                wage_region=input.wage_region.value,
                submitted_by=principal.subject,
                replaces_id=replaces_id,
                remove_ids=plan.remove_ids,
                close_ids=plan.close_ids,
                openings=plan.openings,
                lines=plan.records,
            )
            expected = (len(plan.remove_ids), len(plan.close_ids), len(plan.openings))
            if (applied.removed, applied.closed, applied.opened) != expected:
                # The facts were read under the lock: only a write around the API gets here.
                raise Conflict("the employees' contribution periods changed while declaring")
            return {"declaration": applied.declaration_id}

        done = await perform(
            info, key=idempotency_key, arguments={"input": input}, access=access, change=declare
        )
        return await _declaration(info, int(done["declaration"]), employer)
