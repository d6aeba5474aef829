"""Benefit decisions by insurance officers: unemployment benefit (BHTN) decisions and their months
used, and the lump-sum social insurance withdrawal (BHXH một lần) that settles a book.

The server computes what the law computes (eligibility, months counted and granted, amounts:
db.rules) from the book as the decision's transaction sees it; the officer supplies only what
the book does not hold (decision number and dates, the wage region, the reason).
"""

from datetime import date
from typing import Annotated, Final

import strawberry

# Imported for its side effect: it registers WageRegion as a GraphQL enum, which must come
# before a type here uses the enum (Strawberry would otherwise define it twice).
import graph.types.declaration  # noqa: F401
from db import bhyt_rules, rules
from db.enums import LumpSumReason, Sex, WageRegion
from db.queries import social_insurance as social_queries
from db.queries import unemployment_insurance as unemployment_queries
from db.session import Row, Transaction
from db.writes import benefits as benefit_writes
from graph.authz.write_policy import WriteOperation
from graph.context import Info
from graph.errors import BadUserInput, Conflict, NotFound
from graph.types.social_insurance import Benefit
from graph.types.unemployment_insurance import UnemploymentBenefitDecision
from graph.validation import PERSON_KEY_DESCRIPTION, person_key
from graph.writes import IdempotencyKey, authorize, perform, stale

MAX_DECISION_NUMBER: Final = 50
_PERSON = PERSON_KEY_DESCRIPTION + ": the person the decision is about."
_NUMBER = f"Số quyết định — the decision's number (e.g. 123/QĐ-SNV), 1 to {MAX_DECISION_NUMBER} characters."


@strawberry.input(
    description=(
        "Quyết định hưởng trợ cấp thất nghiệp — what the officer decides on; the server counts"
        " the months and computes the allowance from the book."
    )
)
class DecideUnemploymentBenefitInput:
    person: str = strawberry.field(description=_PERSON)
    decision_number: str = strawberry.field(description=_NUMBER)
    contract_ended_on: date = strawberry.field(
        description=(
            "Ngày chấm dứt hợp đồng lao động — the day the labour contract ended: eligibility"
            " counts BHTN months in the 24 months up to its month (that month included), and the"
            " allowance is capped by the minimum wage in force on it. From 2013."
        )
    )
    filed_on: date = strawberry.field(
        description=(
            "Ngày nộp hồ sơ — the day the claim was filed: on or after the contract's end, within"
            " 3 months of it."
        )
    )
    decided_on: date = strawberry.field(
        description="Ngày quyết định — the decision's date: on or after filing, not in the future."
    )
    starts_on: date = strawberry.field(
        description=(
            "Ngày bắt đầu hưởng — the first day of benefit (the 16th working day after filing;"
            " the 11th from 2026): after the filing day."
        )
    )
    wage_region: WageRegion = strawberry.field(
        description=(
            "Vùng — the minimum-wage region of the last employer's place of business (the"
            " database does not hold it): the allowance is at most 5 × its minimum wage."
        )
    )


@strawberry.input(
    description=(
        "Số tháng đã hưởng — the benefit months a decision's entitlement actually used, when"
        " fewer than granted (the benefit stopped on new work, or was not collected)."
    )
)
class RecordUnemploymentBenefitMonthsUsedInput:
    decision: strawberry.ID = strawberry.field(
        description="Mã quyết định — the decision's id (UnemploymentBenefitDecision.id)."
    )
    months_used: int = strawberry.field(description="Số tháng đã hưởng — 0 to the months granted.")
    expected_version: int = strawberry.field(
        description="Phiên bản — the decision's version as read; a change since is a CONFLICT."
    )


@strawberry.input(
    description=(
        "Hưởng BHXH một lần — a lump-sum withdrawal: the server computes the amount and settles"
        " every compulsory and voluntary BHXH month before it."
    )
)
class SettleLumpSumInput:
    person: str = strawberry.field(description=_PERSON)
    decision_number: str = strawberry.field(description=_NUMBER)
    decided_on: date = strawberry.field(
        description=(
            "Ngày quyết định — the decision's date, not in the future; every contribution row"
            " must have ended by its month."
        )
    )
    reason: LumpSumReason = strawberry.field(
        description="Lý do — the ground of Law 41/2024 art. 70(1) the withdrawal is paid on."
    )


def _no_person() -> NotFound:
    return NotFound(
        "no person with this personal ID or BHXH code whose benefits you decide",
        argument="input.person",
    )


def _no_decision() -> NotFound:
    return NotFound("no unemployment benefit decision with this id", argument="input.decision")


def _decision_number(value: str) -> str:
    number = value.strip()
    if not 1 <= len(number) <= MAX_DECISION_NUMBER:
        raise BadUserInput("input.decisionNumber", f"must be 1 to {MAX_DECISION_NUMBER} characters")
    return number


def _not_future(day: date, argument: str) -> None:
    if day > bhyt_rules.today():
        raise BadUserInput(argument, "must not be in the future")


def _check_claim_dates(input: DecideUnemploymentBenefitInput) -> None:
    _not_future(input.decided_on, "input.decidedOn")
    if input.contract_ended_on < rules.REGIONAL_MINIMUM_WAGE[0][0]:
        raise BadUserInput(
            "input.contractEndedOn",
            "must be in 2013 or later (the minimum wages this service holds)",
        )
    if input.contract_ended_on > input.filed_on:
        raise BadUserInput("input.contractEndedOn", "must not be after filedOn")
    if input.filed_on > rules.add_months(input.contract_ended_on, rules.BHTN_FILING_MONTHS):
        raise BadUserInput(
            "input.filedOn",
            "is more than 3 months after the contract ended: the claim is out of time"
            " (Law 38/2013 art. 46(1))",
        )
    if input.filed_on > input.decided_on:
        raise BadUserInput("input.filedOn", "must not be after decidedOn")
    if input.starts_on <= input.filed_on:
        raise BadUserInput("input.startsOn", "must be after filedOn")


async def _claim(
    tx: Transaction, person_id: int, input: DecideUnemploymentBenefitInput
) -> dict[str, object]:
    """The decision's computed values, or the reason (BAD_USER_INPUT) there is none."""
    facts = await benefit_writes.bhtn_facts(tx, person_id, input.contract_ended_on)
    last = facts.last_claim
    if last is not None and input.contract_ended_on <= last.decided_on:
        raise BadUserInput(
            "input.contractEndedOn",
            f"must be after the latest decision's date ({last.decided_on.isoformat()})",
        )
    if facts.pensioner:
        raise BadUserInput(
            "input.person", "receives a pension: pensioners are not insured against unemployment"
        )
    counted = facts.reserved_months
    if (why := rules.bhtn_ineligibility(facts.window_months, counted)) is not None:
        raise BadUserInput("input.contractEndedOn", why)
    last_months = await benefit_writes.bhtn_last_salaries(tx, person_id, input.contract_ended_on)
    cap = rules.bhtn_allowance_cap(
        input.wage_region, input.contract_ended_on, last_months.state_payroll
    )
    return {
        "counted": counted,
        "granted": rules.bhtn_months_granted(counted),
        "amount": rules.bhtn_monthly_allowance(last_months.salaries, cap),
    }


async def _settlement(
    tx: Transaction, person: Row, input: SettleLumpSumInput
) -> tuple[int, date, int]:
    """(amount, cut-off month, rows to settle), or the reason (BAD_USER_INPUT) there is none."""
    found = await benefit_writes.unsettled(tx, person["id"])
    if found.pensioner:
        raise BadUserInput("input.person", "receives a pension: a pension is never settled")
    if not found.rows:
        raise BadUserInput("input.person", "has no compulsory or voluntary BHXH months to settle")
    cutoff = rules.month_of(input.decided_on)
    if found.open_ended or found.last_month > cutoff:
        raise BadUserInput(
            "input.decidedOn",
            "comes before the book's last contribution month: contributions still run (close"
            " them first)",
        )
    try:
        salaries = found.salaries(input.decided_on)
    except rules.NotInForce:
        raise BadUserInput(
            "input.decidedOn", "is before any base salary this service holds"
        ) from None
    why = rules.lump_sum_refusal(
        input.reason,
        sex=Sex(person["sex"]),
        birth=person["birth_date"],
        decided_on=input.decided_on,
        months=len(salaries),
        first_month=min(salaries),
        last_month=max(salaries),
    )
    if why is not None:
        raise BadUserInput("input.reason", why)
    return rules.lump_sum_amount(salaries), cutoff, len(found.rows)


@strawberry.type
class BenefitMutations:
    @strawberry.federation.mutation(
        authenticated=True,
        description=(
            "Quyết định hưởng trợ cấp thất nghiệp — an officer (scope unemployment_insurance)"
            " decides an unemployment benefit. The server checks eligibility (12 BHTN months in"
            " the 24 before the contract ended, none spent by an earlier benefit), counts the"
            " reserved months, grants 3 months for 12–36 and one more per further 12 (at most"
            " 12), and pays 60 % of the last 6 months' average salary, at most 5 × the regional"
            " minimum wage. The book's reserved months drop at once."
        ),
    )
    async def decide_unemployment_benefit(
        self,
        info: Info,
        input: Annotated[
            DecideUnemploymentBenefitInput,
            strawberry.argument(description="The decision's person, number and dates."),
        ],
        idempotency_key: IdempotencyKey,
    ) -> UnemploymentBenefitDecision:
        key = person_key(input.person, "input.person")
        number = _decision_number(input.decision_number)
        _check_claim_dates(input)
        person = await info.context.loaders.person_by_key.load(key)
        access = await authorize(
            info, person, WriteOperation.DECIDE_UNEMPLOYMENT_BENEFIT, not_found=_no_person()
        )
        assert person is not None
        person_id = int(person["id"])

        async def decide(tx: Transaction) -> int:
            await benefit_writes.lock_person(tx, person_id)
            computed = await _claim(tx, person_id, input)
            return await benefit_writes.insert_unemployment_decision(
                tx,
                person_id=person_id,
                decision_number=number,
                filed_on=input.filed_on,
                decided_on=input.decided_on,
                starts_on=input.starts_on,
                contract_ended_on=input.contract_ended_on,
                wage_region=input.wage_region.value,
                **computed,
            )

        arguments = {"input": input, "person": person_id, "decisionNumber": number}
        done = await perform(
            info, key=idempotency_key, arguments=arguments, access=access, change=decide
        )
        return await _decision(info, done)

    @strawberry.federation.mutation(
        authenticated=True,
        description=(
            "Ghi nhận số tháng đã hưởng — an officer (scope unemployment_insurance) records how"
            " many benefit months a decision actually used when fewer than granted; the months"
            " not used return to the book's reserved months. Names the version it read."
        ),
    )
    async def record_unemployment_benefit_months_used(
        self,
        info: Info,
        input: Annotated[
            RecordUnemploymentBenefitMonthsUsedInput,
            strawberry.argument(description="The decision, its months used, the version read."),
        ],
        idempotency_key: IdempotencyKey,
    ) -> UnemploymentBenefitDecision:
        decision_id = _decision_id(input.decision)
        existing = await unemployment_queries.unemployment_benefit_by_id(
            info.context.reader, decision_id
        )
        person = (
            await info.context.loaders.person_by_id.load(existing["person_id"])
            if existing
            else None
        )
        access = await authorize(
            info, person, WriteOperation.DECIDE_UNEMPLOYMENT_BENEFIT, not_found=_no_decision()
        )
        assert existing is not None
        granted = existing["months_granted"]
        if not 0 <= input.months_used <= granted:
            raise BadUserInput("input.monthsUsed", f"must be 0 to the {granted} months granted")

        async def record(tx: Transaction) -> int:
            version = await benefit_writes.record_months_used(
                tx, decision_id, input.months_used, input.expected_version
            )
            if version is None:
                current = await benefit_writes.decision_version(tx, decision_id)
                if current is None:
                    raise _no_decision()
                raise stale("the decision", current)
            return decision_id

        arguments = {
            "decision": decision_id,
            "monthsUsed": input.months_used,
            "expectedVersion": input.expected_version,
        }
        done = await perform(
            info, key=idempotency_key, arguments=arguments, access=access, change=record
        )
        return await _decision(info, done)

    @strawberry.federation.mutation(
        authenticated=True,
        description=(
            "Giải quyết hưởng BHXH một lần — an officer (scope social_insurance) pays a lump-sum"
            " withdrawal: 1.5 months of the whole history's average salary per contribution year"
            " before 2014 and 2 months per year from 2014 (odd months before 2014 carried into"
            " the later years; 1–6 odd months are half a year, 7–11 a year; under a year: what"
            " was paid in, 22 %, at most 2 months). Every compulsory and voluntary BHXH row"
            " then shows as settled and stops counting toward a pension."
        ),
    )
    async def settle_lump_sum(
        self,
        info: Info,
        input: Annotated[
            SettleLumpSumInput,
            strawberry.argument(description="The withdrawal's person, number, date and reason."),
        ],
        idempotency_key: IdempotencyKey,
    ) -> Benefit:
        key = person_key(input.person, "input.person")
        number = _decision_number(input.decision_number)
        _not_future(input.decided_on, "input.decidedOn")
        person = await info.context.loaders.person_by_key.load(key)
        access = await authorize(
            info, person, WriteOperation.SETTLE_LUMP_SUM, not_found=_no_person()
        )
        assert person is not None

        async def settle(tx: Transaction) -> int:
            await benefit_writes.lock_person(tx, person["id"])
            amount, cutoff, rows = await _settlement(tx, person, input)
            benefit_id, settled = await benefit_writes.settle(
                tx,
                person_id=person["id"],
                decision_number=number,
                decided_on=input.decided_on,
                amount=amount,
                reason=input.reason.value,
                cutoff=cutoff,
            )
            if settled != rows:
                raise Conflict("the contribution history changed while settling: read it again")
            return benefit_id

        arguments = {"input": input, "person": person["id"], "decisionNumber": number}
        done = await perform(
            info, key=idempotency_key, arguments=arguments, access=access, change=settle
        )
        row = await social_queries.benefit_by_id(info.context.reader, done)
        assert row is not None  # written by this request, or by the attempt it replays
        return Benefit(row=row)


def _decision_id(value: strawberry.ID) -> int:
    text = str(value)
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise BadUserInput("input.decision", "is not a decision id")
    return int(text)


async def _decision(info: Info, decision_id: int) -> UnemploymentBenefitDecision:
    row = await unemployment_queries.unemployment_benefit_by_id(info.context.reader, decision_id)
    assert row is not None  # written by this request, or by the attempt it replays
    return UnemploymentBenefitDecision.from_row(row)
