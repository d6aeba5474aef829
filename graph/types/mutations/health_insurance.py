"""BHYT card lifecycle: insurance officers (scope `health_insurance`) issue, renew, change the
initial facility of, lock, unlock and revoke cards. Every change names the issue by its id and
the version the officer read; the card's status is derived when read (db.queries)."""

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Final

import strawberry

from db import bhyt_rules
from db.enums import CardEventKind
from db.identifiers import make_bhyt_code_15
from db.queries import health_insurance as card_queries
from db.reference_data import BHYT_CATEGORY_BY_CODE, LEGACY_PROVINCE_CODES
from db.session import Row, Transaction
from db.writes import health_insurance as card_writes
from db.writes.health_insurance import Card, CoverRow, NewCard
from graph.authz.permissions import note_read
from graph.authz.policy import DataGroup
from graph.authz.write_policy import WriteAccess, WriteOperation
from graph.context import Info
from graph.errors import BadUserInput, Conflict, NotFound
from graph.types.health_insurance import HealthInsuranceCard
from graph.validation import PERSON_KEY_DESCRIPTION, person_key
from graph.writes import IdempotencyKey, authorize, perform, stale

MAX_VALIDITY_MONTHS: Final = 72
"""The longest card: a child's (TE) runs from birth to the 72nd month (DOMAIN.md)."""
MAX_REASON: Final = 500
_FACILITY_CODE = re.compile(r"[A-Z0-9]{1,10}")
_ID = re.compile(r"[0-9]{1,18}")

_NO_CARD = "no card issue with this id among those you manage"
_NO_PERSON = "no person with this personal ID or BHXH code whose cards you manage"


@strawberry.input(description="Cấp thẻ BHYT — a new card issue.")
class IssueHealthInsuranceCardInput:
    person: str = strawberry.field(description=PERSON_KEY_DESCRIPTION + ": the holder.")
    category: str = strawberry.field(
        description="Mã đối tượng — the BHYT category (DN, HT, TE…); it sets the benefit level."
    )
    province: str = strawberry.field(
        description="Mã tỉnh cấp — the issuing province's legacy 2-digit code (as on cards)."
    )
    initial_facility: str = strawberry.field(
        description="Nơi đăng ký KCB ban đầu — the initial facility's code (registered, active)."
    )
    valid_from: date = strawberry.field(description="Giá trị sử dụng từ ngày — valid from.")
    valid_to: date = strawberry.field(
        description="Giá trị sử dụng đến ngày — valid to (at most 72 months after validFrom)."
    )
    area_code: str | None = strawberry.field(
        default=None, description="Mã khu vực — living-area code K1, K2 or K3, when any."
    )
    continuous_cover_since: date | None = strawberry.field(
        default=None,
        description=(
            "Tham gia BHYT liên tục từ ngày — from paper records, the day since which the"
            " holder's cover was continuous up to validFrom (breaks of at most 3 months), for"
            " cover the register's cards do not hold; not in the future nor after validFrom."
            " Omitted: no cover before the register's cards is assumed. It counts toward the"
            " five-year date (fiveYearDate)."
        ),
    )


@strawberry.input(
    description=(
        "Gia hạn thẻ BHYT — a new issue continuing a card from the day after it ends, with its"
        " code parts, facility and area (the category may change)."
    )
)
class RenewHealthInsuranceCardInput:
    id: strawberry.ID = strawberry.field(description="Mã phát hành — the issue to continue.")
    expected_version: int = strawberry.field(
        description="Phiên bản — the version of that issue the officer read."
    )
    valid_to: date = strawberry.field(description="Giá trị sử dụng đến ngày — the new issue's end.")
    category: str | None = strawberry.field(
        default=None,
        description="Mã đối tượng — a new category (and so benefit level); omitted: the same.",
    )


@strawberry.input(description="Đổi nơi đăng ký KCB ban đầu — a card's new initial facility.")
class ChangeInitialFacilityInput:
    id: strawberry.ID = strawberry.field(description="Mã phát hành — the card issue.")
    expected_version: int = strawberry.field(
        description="Phiên bản — the version of the issue the officer read."
    )
    initial_facility: str = strawberry.field(
        description="Nơi đăng ký KCB ban đầu — the new facility's code (registered, active)."
    )


@strawberry.input(
    description="Khóa, mở khóa, thu hồi thẻ — an officer's action on a card, and why."
)
class HealthInsuranceCardActionInput:
    id: strawberry.ID = strawberry.field(description="Mã phát hành — the card issue.")
    expected_version: int = strawberry.field(
        description="Phiên bản — the version of the issue the officer read."
    )
    reason: str = strawberry.field(description="Lý do — why (1–500 characters), kept with it.")


@dataclass(frozen=True)
class _Target:
    """The card issue a change names, its holder, and the caller's ground to change it."""

    card_id: int
    person: Row
    access: WriteAccess


def _category(value: str) -> tuple[str, int]:
    code = value.strip().upper()
    category = BHYT_CATEGORY_BY_CODE.get(code)
    if category is None:
        raise BadUserInput("input.category", "is not a BHYT category code (DN, HT, TE…)")
    return code, category.benefit_level


def _facility(value: str) -> str:
    code = value.strip().upper()
    if not _FACILITY_CODE.fullmatch(code):
        raise BadUserInput("input.initialFacility", "is not a facility code (1–10 of A–Z, 0–9)")
    return code


def _validity(valid_from: date, valid_to: date) -> None:
    if valid_to < valid_from:
        raise BadUserInput("input.validTo", f"must not be before {valid_from.isoformat()}")
    if valid_to >= bhyt_rules.add_months(valid_from, MAX_VALIDITY_MONTHS):
        raise BadUserInput("input.validTo", f"must be within {MAX_VALIDITY_MONTHS} months")


def _reason(value: str) -> str:
    reason = value.strip()
    if not 1 <= len(reason) <= MAX_REASON:
        raise BadUserInput("input.reason", f"must be 1 to {MAX_REASON} characters")
    return reason


def _overlap(cover: list[CoverRow], start: date, end: date) -> CoverRow | None:
    return next((c for c in cover if c.valid_from <= end and c.valid_to >= start), None)


def _cover_since(since: date | None, valid_from: date) -> date | None:
    """The recorded cover before a card: a fact of the past, up to the card's start."""
    if since is None:
        return None
    if since > bhyt_rules.today():
        raise BadUserInput("input.continuousCoverSince", "must not be in the future")
    if since > valid_from:
        raise BadUserInput(
            "input.continuousCoverSince", f"must not be after validFrom ({valid_from.isoformat()})"
        )
    return since


def _card_id(raw: str) -> int:
    if not _ID.fullmatch(str(raw)):
        raise BadUserInput("input.id", "is not a card issue id")
    return int(raw)


async def _target(info: Info, card_id: int) -> _Target:
    """The issue and the caller's ground to change it: a card that does not exist and one of a
    person the caller cannot see are the same NOT_FOUND."""
    (row,) = await card_queries.cards_by_id(info.context.reader, [card_id])
    person = await info.context.loaders.person_by_id.load(row["person_id"]) if row else None
    not_found = NotFound(_NO_CARD, argument="input.id")
    access = await authorize(info, person, WriteOperation.CHANGE_CARD, not_found=not_found)
    assert person is not None
    return _Target(card_id, person, access)


async def _locked(tx: Transaction, target: _Target, expected_version: int) -> Card:
    """The issue, locked until the change commits, at the version the officer read."""
    card = await card_writes.lock_card(tx, target.card_id)
    if card is None:
        raise NotFound(_NO_CARD, argument="input.id")
    if card.version != expected_version:
        raise stale("the card issue", card.version)
    if card.status == "REVOKED":
        raise Conflict("the card issue is revoked, which is final", status="REVOKED")
    return card


async def _answer(info: Info, card_id: int, person: Row) -> HealthInsuranceCard:
    """The issue as the officer now reads it (the read is logged like any other)."""
    (row,) = await card_queries.cards_by_id(info.context.reader, [card_id])
    assert row is not None  # written by this request, or by the attempt it replays
    access = await info.context.require_facts().access(person)
    assert access is not None and DataGroup.HEALTH_INSURANCE in access.groups
    note_read(info, person["id"], DataGroup.HEALTH_INSURANCE, access)
    return HealthInsuranceCard(row=row)


async def _change(
    info: Info,
    key: str,
    input: object,
    target: _Target,
    change: Callable[[Transaction], Awaitable[int]],
) -> HealthInsuranceCard:
    """Runs `change` on the write path and answers with the issue it returns."""
    arguments = {"input": input}
    done = await perform(info, key=key, arguments=arguments, access=target.access, change=change)
    return await _answer(info, done, target.person)


_ACTIONS: Final = {
    CardEventKind.LOCKED: "TEMPORARILY_LOCKED",
    CardEventKind.UNLOCKED: "ACTIVE",
    CardEventKind.REVOKED: "REVOKED",
}
"""The officer state each action leaves."""


async def _act(
    info: Info, input: HealthInsuranceCardActionInput, key: str, kind: CardEventKind
) -> HealthInsuranceCard:
    info.context.require_principal()
    card_id, reason = _card_id(input.id), _reason(input.reason)
    target = await _target(info, card_id)

    async def act(tx: Transaction) -> int:
        card = await _locked(tx, target, input.expected_version)
        locked = card.status == "TEMPORARILY_LOCKED"
        if kind is CardEventKind.LOCKED and locked:
            raise Conflict("the card issue is already locked", status=card.status)
        if kind is CardEventKind.UNLOCKED and not locked:
            raise Conflict("only a locked card issue can be unlocked", status=card.status)
        await card_writes.set_status(tx, card, kind, _ACTIONS[kind], reason)
        return card.id

    return await _change(info, key, input, target, act)


@strawberry.type(description="BHYT cards: what insurance officers do with them.")
class HealthInsuranceCardMutations:
    @strawberry.federation.mutation(
        authenticated=True,
        description=(
            "Cấp thẻ BHYT — issue a card: its 15-character code is built from the category, the"
            " category's benefit level, the province and the holder's BHXH code. Its validity"
            " may not overlap another card of the person that is not revoked."
        ),
    )
    async def issue_health_insurance_card(
        self,
        info: Info,
        input: Annotated[
            IssueHealthInsuranceCardInput, strawberry.argument(description="The new issue.")
        ],
        idempotency_key: IdempotencyKey,
    ) -> HealthInsuranceCard:
        info.context.require_principal()
        pid = person_key(input.person, "input.person")
        category, level = _category(input.category)
        province = input.province.strip()
        if province not in LEGACY_PROVINCE_CODES:
            raise BadUserInput("input.province", "is not a (legacy) 2-digit province code")
        area = input.area_code.strip().upper() if input.area_code is not None else None
        if area is not None and area not in ("K1", "K2", "K3"):
            raise BadUserInput("input.areaCode", "must be K1, K2 or K3")
        facility = _facility(input.initial_facility)
        _validity(input.valid_from, input.valid_to)
        since = _cover_since(input.continuous_cover_since, input.valid_from)
        person = await info.context.loaders.person_by_key.load(pid)
        not_found = NotFound(_NO_PERSON, argument="input.person")
        access = await authorize(info, person, WriteOperation.ISSUE_CARD, not_found=not_found)
        assert person is not None
        start, end = input.valid_from, input.valid_to

        async def issue(tx: Transaction) -> int:
            if not await card_writes.facility_active(tx, facility):
                raise BadUserInput("input.initialFacility", "is not a registered, active facility")
            bhxh_code = await card_writes.bhxh_code(tx, person["id"])
            if bhxh_code is None:
                raise BadUserInput(
                    "input.person", "has no BHXH code (mã số BHXH) yet: the card's code needs it"
                )
            cover = await card_writes.cover(tx, person["id"])
            card = NewCard(
                person_id=person["id"],
                code=make_bhyt_code_15(category, level, province, bhxh_code),
                short_code=bhxh_code,
                category_code=category,
                benefit_level=level,
                province_code=province,
                area_code=area,
                initial_facility_code=facility,
                valid_from=start,
                valid_to=end,
                continuous_cover_since=since,
            )
            other = _overlap(cover, start, end)
            card_id = None if other else await card_writes.insert_card(tx, card)
            if card_id is None:
                raise BadUserInput("input.validFrom", _overlaps(other))
            return card_id

        arguments = {"input": input, "person": person["id"]}
        done = await perform(
            info, key=idempotency_key, arguments=arguments, access=access, change=issue
        )
        return await _answer(info, done, person)

    @strawberry.federation.mutation(
        authenticated=True,
        description=(
            "Gia hạn thẻ BHYT — a new issue from the day after the card ends, with the same"
            " code parts unless the category changes. A revoked or locked card is not renewed;"
            " one already renewed is a CONFLICT."
        ),
    )
    async def renew_health_insurance_card(
        self,
        info: Info,
        input: Annotated[
            RenewHealthInsuranceCardInput, strawberry.argument(description="The renewal.")
        ],
        idempotency_key: IdempotencyKey,
    ) -> HealthInsuranceCard:
        info.context.require_principal()
        card_id = _card_id(input.id)
        new_category = _category(input.category) if input.category is not None else None
        target = await _target(info, card_id)

        async def renew(tx: Transaction) -> int:
            card = await _locked(tx, target, input.expected_version)
            if card.status == "TEMPORARILY_LOCKED":
                raise Conflict("the card issue is locked: unlock it first", status=card.status)
            start = card.valid_to + timedelta(days=1)
            _validity(start, input.valid_to)
            category, level = new_category or (card.category_code, card.benefit_level)
            cover = await card_writes.cover(tx, card.person_id)
            renewal = NewCard(
                person_id=card.person_id,
                code=make_bhyt_code_15(category, level, card.province_code, card.short_code),
                short_code=card.short_code,
                category_code=category,
                benefit_level=level,
                province_code=card.province_code,
                area_code=card.area_code,
                initial_facility_code=card.initial_facility_code,
                valid_from=start,
                valid_to=input.valid_to,
            )
            other = _overlap(cover, start, input.valid_to)
            new_id = (
                None if other else await card_writes.insert_card(tx, renewal, continues=card.id)
            )
            if new_id is None:
                raise Conflict(
                    f"the days after this card are covered already: {_overlaps(other)}",
                    **({"cardId": str(other.id)} if other else {}),
                )
            return new_id

        return await _change(info, idempotency_key, input, target, renew)

    @strawberry.federation.mutation(
        authenticated=True,
        description=(
            "Đổi nơi đăng ký KCB ban đầu — change a card's initial facility: only in the first"
            " month of a quarter (January, April, July, October; Law on Health Insurance art."
            " 26(3)), otherwise BAD_USER_INPUT on input.initialFacility."
        ),
    )
    async def change_initial_facility(
        self,
        info: Info,
        input: Annotated[
            ChangeInitialFacilityInput, strawberry.argument(description="The card and facility.")
        ],
        idempotency_key: IdempotencyKey,
    ) -> HealthInsuranceCard:
        info.context.require_principal()
        card_id, facility = _card_id(input.id), _facility(input.initial_facility)
        target = await _target(info, card_id)

        async def move(tx: Transaction) -> int:
            today = bhyt_rules.today()
            if not bhyt_rules.may_change_initial_facility(today):
                raise BadUserInput(
                    "input.initialFacility",
                    "may change only in the first month of a quarter (January, April, July,"
                    f" October: Law on Health Insurance art. 26(3)); today is {today.isoformat()}",
                )
            card = await _locked(tx, target, input.expected_version)
            if card.valid_to < today:
                raise Conflict(
                    f"the card issue ended on {card.valid_to.isoformat()}: change the card in force",
                    status="EXPIRED",
                )
            if card.initial_facility_code == facility:
                raise BadUserInput("input.initialFacility", "is the card's facility already")
            if not await card_writes.facility_active(tx, facility):
                raise BadUserInput("input.initialFacility", "is not a registered, active facility")
            await card_writes.set_facility(tx, card, facility)
            return card.id

        return await _change(info, idempotency_key, input, target, move)

    @strawberry.federation.mutation(
        authenticated=True,
        description=(
            "Khóa thẻ tạm thời — lock a card until it is unlocked (with the reason); a locked"
            " card is not valid for visits."
        ),
    )
    async def lock_health_insurance_card(
        self,
        info: Info,
        input: Annotated[
            HealthInsuranceCardActionInput, strawberry.argument(description="The card, and why.")
        ],
        idempotency_key: IdempotencyKey,
    ) -> HealthInsuranceCard:
        return await _act(info, input, idempotency_key, CardEventKind.LOCKED)

    @strawberry.federation.mutation(
        authenticated=True,
        description="Mở khóa thẻ — unlock a locked card (with the reason).",
    )
    async def unlock_health_insurance_card(
        self,
        info: Info,
        input: Annotated[
            HealthInsuranceCardActionInput, strawberry.argument(description="The card, and why.")
        ],
        idempotency_key: IdempotencyKey,
    ) -> HealthInsuranceCard:
        return await _act(info, input, idempotency_key, CardEventKind.UNLOCKED)

    @strawberry.federation.mutation(
        authenticated=True,
        description="Thu hồi thẻ — revoke a card (with the reason); final.",
    )
    async def revoke_health_insurance_card(
        self,
        info: Info,
        input: Annotated[
            HealthInsuranceCardActionInput, strawberry.argument(description="The card, and why.")
        ],
        idempotency_key: IdempotencyKey,
    ) -> HealthInsuranceCard:
        return await _act(info, input, idempotency_key, CardEventKind.REVOKED)


def _overlaps(other: CoverRow | None) -> str:
    if other is None:  # the exclusion constraint refused what the check did not see
        return "overlaps another card of the person issued meanwhile"
    return (
        f"overlaps card {other.code} valid {other.valid_from.isoformat()} to"
        f" {other.valid_to.isoformat()}: a person holds one card in force a day"
    )
