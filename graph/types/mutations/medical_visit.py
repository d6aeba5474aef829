"""Medical visits: a health facility (the token's `org`) records a visit under a card valid on
the admission day, and corrects its own visits. The split of the cost between the BHYT fund and
the patient is the register's (db.bhyt_rules), never the facility's."""

import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Annotated, Final

import strawberry

from db import bhyt_rules
from db.enums import VisitType
from db.identifiers import BHYT_CODE_10_RE
from db.queries import health_insurance as visit_queries
from db.session import Row, Transaction
from db.writes import medical_visit as visit_writes
from db.writes.health_insurance import facility_active
from db.writes.medical_visit import CardThen, VisitFacts
from graph.authz.permissions import note_read
from graph.authz.policy import DataGroup
from graph.authz.write_policy import WriteOperation
from graph.context import Info
from graph.errors import BadUserInput, Forbidden, NotFound
from graph.types.health_insurance import MedicalVisit
from graph.types.scalars import Vnd
from graph.validation import bhyt_code
from graph.writes import IdempotencyKey, authorize, perform, stale

MAX_DIAGNOSIS: Final = 500
MAX_TOTAL_COST_VND: Final = 10**13
"""Ten thousand billion đồng: far above any visit, far below the column's bigint."""
_ICD10 = re.compile(r"[A-Z][0-9]{2}(\.[0-9]{1,2})?")  # the column's CHECK (icd10_format)
_ID = re.compile(r"[0-9]{1,18}")

_NO_CARD = "no card with this code whose holder you may record a visit for"
_NO_VISIT = "no visit with this id recorded by your facility"


@strawberry.input(description="Hồ sơ khám chữa bệnh — what happened at the visit, and its cost.")
class MedicalVisitDetails:
    admitted_at: datetime = strawberry.field(
        description="Ngày vào — admission time, with its time zone; not in the future."
    )
    discharged_at: datetime | None = strawberry.field(
        default=None,
        description="Ngày ra — discharge time (not before admission), null while still admitted.",
    )
    visit_type: VisitType = strawberry.field(description="Hình thức — outpatient or inpatient.")
    icd10_code: str = strawberry.field(description="Mã bệnh ICD-10 — e.g. J06.9.")
    diagnosis: str = strawberry.field(description="Tên bệnh — the diagnosis (1–500 characters).")
    total_cost_vnd: Vnd = strawberry.field(
        description=(
            "Tổng chi phí — the visit's total covered cost, whole VND ≥ 0. The register splits"
            " it between the fund and the patient."
        )
    )


@strawberry.input(description="Ghi nhận lượt khám chữa bệnh — a visit under a BHYT card.")
class RecordMedicalVisitInput:
    card_code: str = strawberry.field(
        description="Mã thẻ BHYT — as at check-in: the 15-character code or the 10-digit one."
    )
    visit: MedicalVisitDetails = strawberry.field(description="The visit.")


@strawberry.input(
    description="Sửa hồ sơ khám chữa bệnh — the whole corrected visit (its card stays)."
)
class CorrectMedicalVisitInput:
    id: strawberry.ID = strawberry.field(description="Mã hồ sơ — the visit's id.")
    expected_version: int = strawberry.field(
        description="Phiên bản — the version of the visit the facility read."
    )
    visit: MedicalVisitDetails = strawberry.field(description="The corrected visit.")


@dataclass(frozen=True)
class _Checked:
    """A visit's details, checked, before the split."""

    admitted_at: datetime
    discharged_at: datetime | None
    visit_type: str
    icd10_code: str
    diagnosis: str
    total_cost_vnd: int


def _aware(value: datetime, argument: str, now: datetime) -> datetime:
    if value.tzinfo is None:
        raise BadUserInput(argument, "must carry a time zone (e.g. 2026-11-30T08:00:00+07:00)")
    if value > now:
        raise BadUserInput(argument, "must not be in the future")
    return value


def _checked(details: MedicalVisitDetails) -> _Checked:
    now = datetime.now(bhyt_rules.VIETNAM)
    admitted = _aware(details.admitted_at, "input.visit.admittedAt", now)
    if bhyt_rules.vietnam_date(admitted) < bhyt_rules.RULES_FROM:
        raise BadUserInput(
            "input.visit.admittedAt",
            f"must be on or after {bhyt_rules.RULES_FROM.isoformat()}, when today's"
            " cost-sharing rules began",
        )
    discharged = details.discharged_at
    if discharged is not None:
        _aware(discharged, "input.visit.dischargedAt", now)
        if discharged < admitted:
            raise BadUserInput("input.visit.dischargedAt", "must not be before admittedAt")
    icd10 = details.icd10_code.strip().upper()
    if not _ICD10.fullmatch(icd10):
        raise BadUserInput("input.visit.icd10Code", "is not an ICD-10 code (e.g. J06.9)")
    diagnosis = details.diagnosis.strip()
    if not 1 <= len(diagnosis) <= MAX_DIAGNOSIS:
        raise BadUserInput("input.visit.diagnosis", f"must be 1 to {MAX_DIAGNOSIS} characters")
    total = details.total_cost_vnd
    if not 0 <= total <= MAX_TOTAL_COST_VND:
        raise BadUserInput(
            "input.visit.totalCostVnd", f"must be a whole VND amount from 0 to {MAX_TOTAL_COST_VND}"
        )
    return _Checked(admitted, discharged, details.visit_type.value, icd10, diagnosis, total)


def _valid_then(card: CardThen, admitted: datetime) -> str | None:
    """Why the card could not be used for a visit admitted then (None: it could)."""
    day = bhyt_rules.vietnam_date(admitted)
    if not card.valid_from <= day <= card.valid_to:
        return (
            f"is not valid on {day.isoformat()} (valid {card.valid_from.isoformat()} to"
            f" {card.valid_to.isoformat()})"
        )
    if card.state_then in ("REVOKED", "TEMPORARILY_LOCKED"):
        return f"was {card.state_then.lower().replace('_', ' ')} on {day.isoformat()}"
    return None


async def _facts(
    tx: Transaction, card: CardThen, visit: _Checked, visit_id: int | None
) -> VisitFacts:
    """The visit with the register's split of its cost."""
    day = bhyt_rules.vietnam_date(visit.admitted_at)
    five_years = card.five_year_date is not None and card.five_year_date <= day
    split = bhyt_rules.cost_split(visit.total_cost_vnd, card.benefit_level, day)
    if five_years and split.patient_paid > 0:
        year_start = datetime.combine(day.replace(month=1, day=1), time(), bhyt_rules.VIETNAM)
        paid = await visit_writes.copaid(
            tx, card.person_id, year_start, visit.admitted_at, visit_id
        )
        split = bhyt_rules.cost_split(
            visit.total_cost_vnd,
            card.benefit_level,
            day,
            five_years_reached=True,
            copaid_this_year=paid,
        )
    return VisitFacts(
        admitted_at=visit.admitted_at,
        discharged_at=visit.discharged_at,
        visit_type=visit.visit_type,
        icd10_code=visit.icd10_code,
        diagnosis=visit.diagnosis,
        total_cost_vnd=visit.total_cost_vnd,
        fund_paid_vnd=split.fund_paid,
        patient_paid_vnd=split.patient_paid,
    )


async def _require_facility(tx: Transaction, facility: str) -> None:
    """The token's facility is checked at the edge (cached a short while); the write checks it
    again against the register, in its own transaction."""
    if not await facility_active(tx, facility):
        raise Forbidden("your facility is not a registered, active health facility")


async def _answer(info: Info, visit_id: int, person: Row) -> MedicalVisit:
    """The visit as the facility now reads it (the read is logged like any other)."""
    (row,) = await visit_queries.visits_by_id(info.context.reader, [visit_id])
    assert row is not None  # written by this request, or by the attempt it replays
    access = await info.context.require_facts().access(person)
    assert access is not None and DataGroup.MEDICAL in access.groups
    note_read(info, person["id"], DataGroup.MEDICAL, access)
    return MedicalVisit(row=row)


@strawberry.type(description="Medical visits: what health facilities record.")
class MedicalVisitMutations:
    @strawberry.federation.mutation(
        authenticated=True,
        description=(
            "Ghi nhận khám chữa bệnh — a facility records a visit under a card valid on the"
            " admission day (its dates; not locked or revoked then). The register splits the"
            " cost by the card's benefit level and the cost-sharing rules."
        ),
    )
    async def record_medical_visit(
        self,
        info: Info,
        input: Annotated[RecordMedicalVisitInput, strawberry.argument(description="The visit.")],
        idempotency_key: IdempotencyKey,
    ) -> MedicalVisit:
        principal = info.context.require_principal()
        code = bhyt_code(input.card_code, "input.cardCode")
        visit = _checked(input.visit)
        loaders = info.context.loaders
        loader = loaders.card_by_short_code if BHYT_CODE_10_RE.match(code) else loaders.card_by_code
        card = await loader.load(code)
        person = await loaders.person_by_id.load(card["person_id"]) if card else None
        not_found = NotFound(_NO_CARD, argument="input.cardCode")
        access = await authorize(info, person, WriteOperation.RECORD_VISIT, not_found=not_found)
        assert person is not None and principal.org is not None
        facility = principal.org
        day = bhyt_rules.vietnam_date(visit.admitted_at)

        async def record(tx: Transaction) -> int:
            await _require_facility(tx, facility)
            cards = await visit_writes.cards_covering(tx, code, day, visit.admitted_at)
            usable = [c for c in cards if _valid_then(c, visit.admitted_at) is None]
            if not usable:
                why = _valid_then(cards[0], visit.admitted_at) if cards else None
                raise BadUserInput(
                    "input.cardCode", why or f"has no issue valid on {day.isoformat()}"
                )
            chosen = usable[0]
            facts = await _facts(tx, chosen, visit, None)
            return await visit_writes.insert(
                tx,
                person_id=chosen.person_id,
                card_id=chosen.id,
                facility_code=facility,
                visit=facts,
            )

        arguments = {"input": input, "facility": facility}
        done = await perform(
            info, key=idempotency_key, arguments=arguments, access=access, change=record
        )
        return await _answer(info, done, person)

    @strawberry.federation.mutation(
        authenticated=True,
        description=(
            "Sửa hồ sơ khám chữa bệnh — the facility that recorded a visit corrects it (another"
            " facility's visit is NOT_FOUND); the split is computed again."
        ),
    )
    async def correct_medical_visit(
        self,
        info: Info,
        input: Annotated[
            CorrectMedicalVisitInput, strawberry.argument(description="The corrected visit.")
        ],
        idempotency_key: IdempotencyKey,
    ) -> MedicalVisit:
        principal = info.context.require_principal()
        if not _ID.fullmatch(str(input.id)):
            raise BadUserInput("input.id", "is not a visit id")
        visit_id = int(input.id)
        visit = _checked(input.visit)
        (row,) = await visit_queries.visits_by_id(info.context.reader, [visit_id])
        person = await info.context.loaders.person_by_id.load(row["person_id"]) if row else None
        not_found = NotFound(_NO_VISIT, argument="input.id")
        access = await authorize(info, person, WriteOperation.RECORD_VISIT, not_found=not_found)
        assert row is not None and person is not None
        if row["facility_code"] != principal.org:  # it cannot even read another's visit
            raise not_found

        async def correct(tx: Transaction) -> int:
            await _require_facility(tx, row["facility_code"])
            locked = await visit_writes.lock_visit(tx, visit_id)
            if locked is None or locked.facility_code != principal.org:
                raise not_found
            if locked.version != input.expected_version:
                raise stale("the visit", locked.version)
            if locked.card_id is None:
                raise BadUserInput("input.id", "names a visit recorded without a card")
            card = await visit_writes.card_at(tx, locked.card_id, visit.admitted_at)
            if (why := _valid_then(card, visit.admitted_at)) is not None:
                raise BadUserInput("input.visit.admittedAt", f"the visit's card {why}")
            await visit_writes.correct(tx, visit_id, await _facts(tx, card, visit, visit_id))
            return visit_id

        arguments = {"input": input}
        done = await perform(
            info, key=idempotency_key, arguments=arguments, access=access, change=correct
        )
        return await _answer(info, done, person)
