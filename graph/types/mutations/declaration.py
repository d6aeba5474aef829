"""The employer's monthly contribution declaration (báo tăng, giảm lao động, điều chỉnh mức đóng).

An EMPLOYER user declares, for its own organisation (the token's `org`) and one month, lines per
employee. The lines are checked on their own first; then, inside the unit of work and under the
employer's lock (two submissions of one employer run one after the other), the declaration of
the same month in force is undone, each line is decided by the write policy on facts read there
(so that a replaced declaration's own hires and leaves do not count, and a concurrent one's do),
and all lines are applied in one statement. Any failing line fails the whole declaration.
"""

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

import strawberry

from db import bhyt_rules
from db import contribution_rules as rules
from db.enums import WageRegion
from db.queries import declaration as declaration_queries
from db.session import Row, Transaction
from db.writes import declaration as declaration_writes
from graph.authz.principal import Principal, Role
from graph.authz.write_policy import WriteAccess
from graph.context import Info
from graph.errors import BadUserInput, Conflict, Forbidden
from graph.types.declaration import (
    MAX_LINES,
    ContributionDeclaration,
    ContributionDeclarationInput,
)
from graph.types.mutations.declaration_lines import (
    Line,
    LineErrors,
    LineFailure,
    checked_lines,
    plan_lines,
)
from graph.writes import IdempotencyKey, perform

_ONLY_EMPLOYERS = "only an employer declares contributions, for its own organisation"
_INACTIVE = "the token's organisation is not an active employer: it cannot declare"


def _active(employer: dict[str, Any] | None) -> bool:
    return employer is not None and (
        employer["deregistered_on"] is None or employer["deregistered_on"] > bhyt_rules.today()
    )


def _month(input: ContributionDeclarationInput) -> date:
    month: date = input.month
    if (problem := rules.month_problem(month, bhyt_rules.today())) is not None:
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


@dataclass(frozen=True)
class _Submission:
    """One declaration as checked on the read path, made by `declare` in the unit of work."""

    principal: Principal
    employer_id: int
    month: date
    region: WageRegion
    lines: list[Line]
    failures: list[LineFailure]
    """The lines that failed their own checks; the others are decided in `declare`."""
    persons: dict[str, Row | None]
    total: int
    access: WriteAccess

    async def declare(self, tx: Transaction) -> dict[str, int]:
        await declaration_writes.lock_employer(tx, self.employer_id)
        state = await declaration_writes.employer_state(tx, self.employer_id, self.month)
        if not state.active:
            raise Forbidden(_INACTIVE)
        if state.latest_month is not None and self.month < state.latest_month:
            raise BadUserInput(
                "input.month",
                f"is before {state.latest_month:%m/%Y}, this employer's latest declared month:"
                " only the latest month can be sent again; correct earlier months in the"
                " declaration of the current month",
            )
        until = rules.previous_month(self.month)
        if state.in_force_id is not None and not await declaration_writes.undo(
            tx, state.in_force_id, until
        ):
            raise Conflict(
                "the contribution periods the earlier declaration of this month changed have"
                " changed since: it cannot be replaced exactly; ask the insurance office"
            )
        known = [p["id"] for p in self.persons.values() if p is not None]
        facts = await declaration_queries.declaration_facts(tx, known, self.employer_id, self.month)
        plan, refused = plan_lines(
            self.lines,
            self.persons,
            facts,
            principal=self.principal,
            employer_id=self.employer_id,
            access=self.access,
            month=self.month,
        )
        if self.failures or refused:
            raise LineErrors([*self.failures, *refused], total=self.total)
        applied = await declaration_writes.apply(
            tx,
            employer_id=self.employer_id,
            month=self.month,
            until=until,
            wage_region=self.region.value,
            submitted_by=self.principal.subject,
            replaces_id=state.in_force_id,
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
        idempotency_key: IdempotencyKey,
    ) -> ContributionDeclaration:
        principal = info.context.require_principal()
        if principal.role is not Role.EMPLOYER or not principal.org:
            raise Forbidden(_ONLY_EMPLOYERS)
        employer = await info.context.loaders.employer_by_tax_code.load(principal.org)
        if not _active(employer):
            raise Forbidden(_INACTIVE)
        month = _month(input)
        lines, failures = checked_lines(input.lines, month, input.wage_region)
        # Both kinds of key in one statement, however the lines mix them.
        idents = [line.key for line in lines]
        found = await info.context.loaders.person_by_key.load_many(idents)
        submission = _Submission(
            principal=principal,
            employer_id=employer["id"],
            month=month,
            region=input.wage_region,
            lines=lines,
            failures=failures,
            persons=dict(zip(idents, found, strict=True)),
            total=len(input.lines),
            # Every line an employer may make is allowed on this ground (decide_write's, checked
            # line by line in the transaction): the change log records it for the declaration.
            access=WriteAccess(
                relation=str(Role.EMPLOYER), grounds=(f"employment:{principal.org}",)
            ),
        )
        done = await perform(
            info,
            key=idempotency_key,
            arguments={"input": input},
            access=submission.access,
            change=submission.declare,
        )
        return await _declaration(info, int(done["declaration"]), employer)
