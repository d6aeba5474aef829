"""The BHYT card lifecycle: issue, renew, change the initial facility, lock, unlock, revoke."""

import asyncio
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import psycopg
import pytest

from db import bhyt_rules
from graph.authz.principal import Role
from tests.factories import person as persons
from tests.factories import reference
from tests.factories.book import Book, book
from tests.graph.conftest import Api
from tests.graph.mutations.bhyt import (
    CHANGE_FACILITY,
    ISSUE,
    LOCK,
    RENEW,
    REVOKE,
    UNLOCK,
    callers,
    card,
    change_log,
    counts,
    error,
    secret_book,
    this_year,
    today,
)

BOOK = """query($id: String!) { person(identificationNumber: $id) { healthInsurance {
  currentCard { id code status statusReason validFrom validTo validToday version
                initialFacility { code } }
  cards { totalCount edges { node { id code status validFrom validTo fiveYearDate } } } } } }"""
CHECK_IN = "query($code: String!) { healthInsuranceCard(code: $code) { id status validToday } }"


def _issue_input(b: Book, **overrides: object) -> dict[str, object]:
    start, end = this_year()
    return {
        "person": b.person["identification_number"],
        "category": "HT",
        "province": "79",
        "initialFacility": b.facility_code,
        "validFrom": start.isoformat(),
        "validTo": end.isoformat(),
        "areaCode": "K2",
        **overrides,
    }


def _action(
    row: dict[str, Any], reason: str = "Đơn vị chưa đóng đủ tiền BHYT", **more: object
) -> dict[str, object]:
    return {"id": str(row["id"]), "expectedVersion": row["version"], "reason": reason, **more}


async def _book(api: Api, b: Book) -> dict[str, Any]:
    body = await api.query(BOOK, api.officer(), {"id": b.person["identification_number"]})
    assert "errors" not in body, body
    return body["data"]["person"]["healthInsurance"]  # type: ignore[no-any-return]


def _current_card(conn: psycopg.Connection, b: Book) -> dict[str, Any]:
    start, end = this_year()
    return card(conn, b, valid_from=start, valid_to=end)


async def test_issue_builds_the_code_and_the_book_shows_the_card(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn, cards=0, visits=0)
    body = await api.query(ISSUE, api.officer(), {"input": _issue_input(b)})
    assert "errors" not in body, body
    c = body["data"]["issueHealthInsuranceCard"]
    # Category HT gives benefit level 3; province 79; then the holder's 10-digit BHXH code.
    assert c["code"] == f"HT379{b.bhxh_code}"
    assert (c["shortCode"], c["benefitLevel"], c["category"]["code"]) == (b.bhxh_code, 3, "HT")
    assert (c["province"]["code"], c["areaCode"], c["initialFacility"]["code"]) == (
        "79",
        "K2",
        b.facility_code,
    )
    assert (c["status"], c["statusReason"], c["validToday"], c["version"]) == (
        "ACTIVE",
        None,
        True,
        1,
    )
    assert c["fiveYearDate"] is None  # no earlier cover

    hi = await _book(api, b)
    assert hi["currentCard"]["code"] == c["code"]
    assert hi["cards"]["totalCount"] == 1
    events = conn.execute(
        "SELECT kind, card_id, reason FROM health_insurance_card_event"
    ).fetchall()
    assert events == [("ISSUED", int(c["id"]), None)]

    log = await change_log(api, b)
    assert sorted((e["record"], e["action"]) for e in log) == [
        ("health_insurance_card", "INSERT"),
        ("health_insurance_card_event", "INSERT"),
    ]
    assert {e["operation"] for e in log} == {"issueHealthInsuranceCard"}
    assert {tuple(e["grounds"]) for e in log} == {("scope:health_insurance",)}
    assert {e["actorRole"] for e in log} == {"OFFICER"}
    (inserted,) = [e for e in log if e["record"] == "health_insurance_card"]
    assert inserted["recordId"] == c["id"] and inserted["before"] is None
    assert inserted["after"]["code"] == c["code"] and inserted["after"]["status"] == "ACTIVE"


async def test_the_five_year_date_comes_from_the_card_history(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn, cards=0, visits=0)
    year = today().year
    for y in range(year - 5, year):  # five calendar years of cover, without a break
        card(conn, b, valid_from=date(y, 1, 1), valid_to=date(y, 12, 31))
    body = await api.query(ISSUE, api.officer(), {"input": _issue_input(b)})
    assert body["data"]["issueHealthInsuranceCard"]["fiveYearDate"] == f"{year}-01-01"


async def test_the_five_year_date_is_derived_when_read(api: Api, conn: psycopg.Connection) -> None:
    """Revoking a card of the run moves the later cards' date: nothing stored goes stale."""
    b = book(conn, cards=0, visits=0)
    year = today().year
    history = [
        card(conn, b, valid_from=date(y, 1, 1), valid_to=date(y, 12, 31))
        for y in range(year - 5, year + 1)
    ]
    shown = {c["id"]: c["fiveYearDate"] for c in await _cards(api, b)}
    assert shown == {c["id"]: None for c in history[:-1]} | {history[-1]["id"]: f"{year}-01-01"}

    middle = history[2]
    revoke = _action(middle, "Cấp trùng thẻ BHYT")
    assert "errors" not in await api.query(REVOKE, api.officer(), {"input": revoke})
    # A year without cover: the run restarts after it, five years on is after this card.
    assert {c["fiveYearDate"] for c in await _cards(api, b)} == {None}


async def _cards(api: Api, b: Book) -> list[dict[str, Any]]:
    edges = (await _book(api, b))["cards"]["edges"]
    return [e["node"] | {"id": int(e["node"]["id"])} for e in edges]


async def test_cover_recorded_at_issue_counts_toward_the_five_years(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn, cards=0, visits=0)
    start, _ = this_year()
    since = date(start.year - 5, 3, 1)  # five years on: 1 March of this year
    body = await api.query(
        ISSUE,
        api.officer(),
        {"input": _issue_input(b, continuousCoverSince=since.isoformat())},
    )
    assert body["data"]["issueHealthInsuranceCard"]["fiveYearDate"] == f"{start.year}-03-01"
    (stored,) = conn.execute("SELECT continuous_cover_since FROM health_insurance_card").fetchall()
    assert stored == (since,)


async def test_no_cover_before_the_first_card_is_assumed(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn, cards=0, visits=0)
    body = await api.query(ISSUE, api.officer(), {"input": _issue_input(b)})
    assert body["data"]["issueHealthInsuranceCard"]["fiveYearDate"] is None


def _no_bhxh_code(conn: psycopg.Connection, b: Book) -> dict[str, object]:
    unregistered = persons.person(conn, full_name="Hoàng Văn Nam")
    return {"person": unregistered["identification_number"]}


def _overlapping(conn: psycopg.Connection, b: Book) -> dict[str, object]:
    start, _ = this_year()
    card(conn, b, valid_from=start - timedelta(days=90), valid_to=start + timedelta(days=30))
    return {}


def _deregistered(conn: psycopg.Connection, b: Book) -> dict[str, object]:
    closed = reference.facility(conn, deregistered_on=today() - timedelta(days=1))
    return {"initialFacility": closed["code"]}


def _cover_since_after_the_start(conn: psycopg.Connection, b: Book) -> dict[str, object]:
    start, _ = this_year()
    return {"continuousCoverSince": (start + timedelta(days=1)).isoformat()}


def _cover_since_tomorrow(conn: psycopg.Connection, b: Book) -> dict[str, object]:
    """Before the card's start (next year's), but in the future."""
    year = today().year + 1
    return {
        "validFrom": f"{year}-01-01",
        "validTo": f"{year}-12-31",
        "continuousCoverSince": (today() + timedelta(days=1)).isoformat(),
    }


def _fixed(overrides: dict[str, object]) -> Callable[[psycopg.Connection, Book], dict[str, object]]:
    return lambda _conn, _b: overrides


@pytest.mark.parametrize(
    ("make", "argument"),
    [
        (_fixed({"person": "12"}), "input.person"),
        (_fixed({"category": "ZZ"}), "input.category"),
        (_fixed({"province": "00"}), "input.province"),
        (_fixed({"areaCode": "K4"}), "input.areaCode"),
        (_fixed({"initialFacility": "no such!"}), "input.initialFacility"),
        (_fixed({"initialFacility": "99999"}), "input.initialFacility"),
        (_deregistered, "input.initialFacility"),
        (_fixed({"validFrom": "2026-02-01", "validTo": "2026-01-31"}), "input.validTo"),
        (_fixed({"validFrom": "2020-01-01", "validTo": "2026-01-01"}), "input.validTo"),
        (_no_bhxh_code, "input.person"),
        (_overlapping, "input.validFrom"),
        (_cover_since_after_the_start, "input.continuousCoverSince"),
        (_cover_since_tomorrow, "input.continuousCoverSince"),
    ],
)
async def test_bad_issues_change_nothing(
    api: Api,
    conn: psycopg.Connection,
    make: Callable[[psycopg.Connection, Book], dict[str, object]],
    argument: str,
) -> None:
    b = book(conn, cards=0, visits=0)
    overrides = make(conn, b)
    before = counts(conn)
    body = await api.query(ISSUE, api.officer(), {"input": _issue_input(b, **overrides)})
    assert error(body) == {"code": "BAD_USER_INPUT", "argument": argument}
    assert counts(conn) == before


WRITERS_OF_CARDS = {
    "citizen_self": "FORBIDDEN",
    "representative": "FORBIDDEN",
    "stranger": "NOT_FOUND",
    "employer": "FORBIDDEN",
    "other_employer": "NOT_FOUND",
    "facility": "FORBIDDEN",
    "officer_without_scope": "FORBIDDEN",
    "officer_no_scopes": "NOT_FOUND",
    "agency_consented": "FORBIDDEN",
    "agency": "NOT_FOUND",
    "ministry": "NOT_FOUND",
    "auditor": "FORBIDDEN",
    "anonymous": "UNAUTHENTICATED",
}


@pytest.mark.parametrize(("caller", "code"), sorted(WRITERS_OF_CARDS.items()))
async def test_only_officers_with_the_scope_change_cards(
    api: Api, conn: psycopg.Connection, caller: str, code: str
) -> None:
    b = book(conn, cards=0, visits=0)
    existing = _current_card(conn, b)
    token = None if caller == "anonymous" else callers(api, conn, b)[caller]
    before = counts(conn)
    next_year = {"validFrom": f"{today().year + 1}-01-01", "validTo": f"{today().year + 1}-12-31"}
    issued = await api.query(ISSUE, token, {"input": _issue_input(b, **next_year)})
    assert error(issued)["code"] == code
    for document in (LOCK, REVOKE):
        changed = await api.query(document, token, {"input": _action(existing)})
        assert error(changed)["code"] == code
    renewed = await api.query(
        RENEW,
        token,
        {
            "input": {
                "id": str(existing["id"]),
                "expectedVersion": 1,
                "validTo": next_year["validTo"],
            }
        },
    )
    assert error(renewed)["code"] == code
    assert counts(conn) == before


async def test_a_person_the_ministry_keeps_is_not_found(api: Api, conn: psycopg.Connection) -> None:
    secret = secret_book(conn)
    existing = _current_card(conn, secret)
    before = counts(conn)
    for token, code in (
        (api.officer(), "NOT_FOUND"),
        (api.token(Role.MINISTRY, "bqp", org="DEFENCE"), "FORBIDDEN"),
    ):
        issued = await api.query(ISSUE, token, {"input": _issue_input(secret)})
        assert error(issued)["code"] == code
        locked = await api.query(LOCK, token, {"input": _action(existing)})
        assert error(locked)["code"] == code
    assert counts(conn) == before


async def test_lock_unlock_revoke_with_their_reasons_and_versions(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn, cards=0, visits=0)
    row = _current_card(conn, b)
    officer = api.officer()

    locked = await api.query(LOCK, officer, {"input": _action(row)})
    assert locked["data"]["lockHealthInsuranceCard"] == {
        "id": str(row["id"]),
        "version": 2,
        "status": "TEMPORARILY_LOCKED",
        "statusReason": "Đơn vị chưa đóng đủ tiền BHYT",
        "validToday": False,
    }
    again = await api.query(LOCK, officer, {"input": _action(row) | {"expectedVersion": 2}})
    assert error(again)["code"] == "CONFLICT"

    unlocked = await api.query(
        UNLOCK, officer, {"input": _action(row, "Đã đóng đủ") | {"expectedVersion": 2}}
    )
    assert unlocked["data"]["unlockHealthInsuranceCard"] == {
        "id": str(row["id"]),
        "version": 3,
        "status": "ACTIVE",
        "statusReason": None,
        "validToday": True,
    }
    not_locked = await api.query(UNLOCK, officer, {"input": _action(row) | {"expectedVersion": 3}})
    assert error(not_locked)["code"] == "CONFLICT"

    revoked = await api.query(
        REVOKE, officer, {"input": _action(row, "Cấp trùng thẻ BHYT") | {"expectedVersion": 3}}
    )
    assert revoked["data"]["revokeHealthInsuranceCard"]["status"] == "REVOKED"
    for document in (LOCK, UNLOCK, REVOKE):  # revocation is final
        after = await api.query(document, officer, {"input": _action(row) | {"expectedVersion": 4}})
        assert error(after)["code"] == "CONFLICT"

    events = conn.execute(
        "SELECT kind, reason, status_before FROM health_insurance_card_event ORDER BY id"
    ).fetchall()
    assert events == [
        ("LOCKED", "Đơn vị chưa đóng đủ tiền BHYT", "ACTIVE"),
        ("UNLOCKED", "Đã đóng đủ", "TEMPORARILY_LOCKED"),
        ("REVOKED", "Cấp trùng thẻ BHYT", "ACTIVE"),
    ]
    hi = await _book(api, b)
    assert (hi["currentCard"]["status"], hi["currentCard"]["statusReason"]) == (
        "REVOKED",
        "Cấp trùng thẻ BHYT",
    )
    log = await change_log(api, b)
    updates = [e for e in reversed(log) if e["record"] == "health_insurance_card"]
    assert [(e["before"], e["after"]) for e in updates] == [
        (
            {"status": "ACTIVE", "status_reason": None, "version": 1},
            {
                "status": "TEMPORARILY_LOCKED",
                "status_reason": "Đơn vị chưa đóng đủ tiền BHYT",
                "version": 2,
            },
        ),
        (
            {
                "status": "TEMPORARILY_LOCKED",
                "status_reason": "Đơn vị chưa đóng đủ tiền BHYT",
                "version": 2,
            },
            {"status": "ACTIVE", "status_reason": None, "version": 3},
        ),
        (
            {"status": "ACTIVE", "status_reason": None, "version": 3},
            {"status": "REVOKED", "status_reason": "Cấp trùng thẻ BHYT", "version": 4},
        ),
    ]
    assert [
        e["operation"] for e in reversed(log) if e["record"] == "health_insurance_card_event"
    ] == [
        "lockHealthInsuranceCard",
        "unlockHealthInsuranceCard",
        "revokeHealthInsuranceCard",
    ]


@pytest.mark.parametrize("document", [LOCK, UNLOCK, REVOKE], ids=["lock", "unlock", "revoke"])
async def test_a_stale_version_is_a_conflict_with_the_current_one(
    api: Api, conn: psycopg.Connection, document: str
) -> None:
    b = book(conn, cards=0, visits=0)
    row = _current_card(conn, b)
    conn.execute(
        "UPDATE health_insurance_card SET status = 'TEMPORARILY_LOCKED', status_reason = 'x'"
    )
    conn.execute("UPDATE health_insurance_card SET status = 'ACTIVE', status_reason = NULL")
    before = counts(conn)
    body = await api.query(document, api.officer(), {"input": _action(row)})  # version 1 of 3
    assert error(body) == {"code": "CONFLICT", "currentVersion": 3}
    assert counts(conn) == before


@pytest.mark.parametrize(
    ("input", "argument"),
    [
        ({"reason": "   "}, "input.reason"),
        ({"reason": "x" * 501}, "input.reason"),
        ({"id": "card-1"}, "input.id"),
    ],
)
async def test_bad_actions_change_nothing(
    api: Api, conn: psycopg.Connection, input: dict[str, object], argument: str
) -> None:
    b = book(conn, cards=0, visits=0)
    row = _current_card(conn, b)
    before = counts(conn)
    body = await api.query(LOCK, api.officer(), {"input": _action(row) | input})
    assert error(body) == {"code": "BAD_USER_INPUT", "argument": argument}
    assert counts(conn) == before


async def test_an_unknown_card_is_not_found(api: Api, conn: psycopg.Connection) -> None:
    book(conn, cards=0, visits=0)
    body = await api.query(
        LOCK, api.officer(), {"input": {"id": "999999", "expectedVersion": 1, "reason": "x"}}
    )
    assert error(body) == {"code": "NOT_FOUND", "argument": "input.id"}


async def test_renewal_continues_the_card_and_the_card_in_force_stays(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn, cards=0, visits=0)
    row = _current_card(conn, b)
    year = today().year
    renewal = {"id": str(row["id"]), "expectedVersion": 1, "validTo": f"{year + 1}-12-31"}
    body = await api.query(RENEW, api.officer(), {"input": renewal})
    assert "errors" not in body, body
    new = body["data"]["renewHealthInsuranceCard"]
    assert (new["code"], new["validFrom"], new["validTo"], new["status"], new["version"]) == (
        row["code"],
        f"{year + 1}-01-01",
        f"{year + 1}-12-31",
        "ACTIVE",
        1,
    )
    assert new["initialFacility"]["code"] == b.facility_code
    event = conn.execute("SELECT kind, card_id, continues_card_id FROM health_insurance_card_event")
    assert event.fetchall() == [("RENEWED", int(new["id"]), row["id"])]

    hi = await _book(api, b)
    assert hi["currentCard"]["id"] == str(row["id"])  # the renewal begins next year
    assert [e["node"]["validFrom"] for e in hi["cards"]["edges"]] == [
        f"{year}-01-01",
        f"{year + 1}-01-01",
    ]
    # Renewed once: the days after it are covered.
    twice = await api.query(RENEW, api.officer(), {"input": renewal})
    assert error(twice) == {"code": "CONFLICT", "cardId": new["id"]}
    log = await change_log(api, b)
    assert {(e["operation"], e["record"], e["action"]) for e in log} == {
        ("renewHealthInsuranceCard", "health_insurance_card", "INSERT"),
        ("renewHealthInsuranceCard", "health_insurance_card_event", "INSERT"),
    }


async def test_renewal_may_change_the_category(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn, cards=0, visits=0)
    row = _current_card(conn, b)  # DN, level 4
    renewal = {
        "id": str(row["id"]),
        "expectedVersion": 1,
        "validTo": f"{today().year + 1}-12-31",
        "category": "HT",
    }
    body = await api.query(RENEW, api.officer(), {"input": renewal})
    new = body["data"]["renewHealthInsuranceCard"]
    assert (new["code"], new["category"]["code"], new["benefitLevel"]) == (
        f"HT301{b.bhxh_code}",
        "HT",
        3,
    )


@pytest.mark.parametrize(
    ("state", "input", "expected"),
    [
        ("REVOKED", {}, {"code": "CONFLICT", "status": "REVOKED"}),
        ("TEMPORARILY_LOCKED", {}, {"code": "CONFLICT", "status": "TEMPORARILY_LOCKED"}),
        ("ACTIVE", {"expectedVersion": 7}, {"code": "CONFLICT", "currentVersion": 1}),
        (
            "ACTIVE",
            {"validTo": "2000-01-01"},
            {"code": "BAD_USER_INPUT", "argument": "input.validTo"},
        ),
        ("ACTIVE", {"category": "Z1"}, {"code": "BAD_USER_INPUT", "argument": "input.category"}),
    ],
)
async def test_what_is_not_renewed(
    api: Api,
    conn: psycopg.Connection,
    state: str,
    input: dict[str, object],
    expected: dict[str, object],
) -> None:
    b = book(conn, cards=0, visits=0)
    start, end = this_year()
    reason = None if state == "ACTIVE" else "Lý do"
    row = card(conn, b, valid_from=start, valid_to=end, status=state, reason=reason)
    renewal = {"id": str(row["id"]), "expectedVersion": 1, "validTo": f"{start.year + 1}-12-31"}
    before = counts(conn)
    body = await api.query(RENEW, api.officer(), {"input": renewal | input})
    assert error(body) == expected
    assert counts(conn) == before


def _january(monkeypatch: pytest.MonkeyPatch, month: int = 1) -> None:
    """The officer's today: the 15th of `month` this year."""
    officers_today = date(today().year, month, 15)
    monkeypatch.setattr(bhyt_rules, "today", lambda: officers_today)


async def test_the_initial_facility_changes_in_a_quarters_first_month(
    api: Api, conn: psycopg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    b = book(conn, cards=0, visits=0)
    row = _current_card(conn, b)
    moved_to = reference.facility(conn)["code"]
    _january(monkeypatch)
    change = {"id": str(row["id"]), "expectedVersion": 1, "initialFacility": moved_to}
    body = await api.query(CHANGE_FACILITY, api.officer(), {"input": change})
    assert "errors" not in body, body
    assert body["data"]["changeInitialFacility"]["initialFacility"]["code"] == moved_to
    assert body["data"]["changeInitialFacility"]["version"] == 2
    assert (await _book(api, b))["currentCard"]["initialFacility"]["code"] == moved_to
    kinds = conn.execute("SELECT kind FROM health_insurance_card_event").fetchall()
    assert kinds == [("FACILITY_CHANGED",)]
    (update,) = [e for e in await change_log(api, b) if e["action"] == "UPDATE"]
    assert (update["before"], update["after"]) == (
        {"initial_facility_code": b.facility_code, "version": 1},
        {"initial_facility_code": moved_to, "version": 2},
    )
    stale = await api.query(CHANGE_FACILITY, api.officer(), {"input": change})
    assert error(stale) == {"code": "CONFLICT", "currentVersion": 2}


@pytest.mark.parametrize("month", [2, 3, 5, 6, 8, 9, 11, 12])
async def test_the_initial_facility_stays_outside_a_quarters_first_month(
    api: Api, conn: psycopg.Connection, monkeypatch: pytest.MonkeyPatch, month: int
) -> None:
    b = book(conn, cards=0, visits=0)
    row = _current_card(conn, b)
    _january(monkeypatch, month)
    change = {
        "id": str(row["id"]),
        "expectedVersion": 1,
        "initialFacility": reference.facility(conn)["code"],
    }
    before = counts(conn)
    body = await api.query(CHANGE_FACILITY, api.officer(), {"input": change})
    assert error(body) == {"code": "BAD_USER_INPUT", "argument": "input.initialFacility"}
    assert counts(conn) == before


async def test_the_initial_facility_must_be_another_active_one(
    api: Api, conn: psycopg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    b = book(conn, cards=0, visits=0)
    row = _current_card(conn, b)
    _january(monkeypatch, 4)
    closed = reference.facility(conn, deregistered_on=date(2020, 1, 1))["code"]
    before = counts(conn)
    for facility in (b.facility_code, closed, "99999"):
        change = {"id": str(row["id"]), "expectedVersion": 1, "initialFacility": facility}
        body = await api.query(CHANGE_FACILITY, api.officer(), {"input": change})
        assert error(body) == {"code": "BAD_USER_INPUT", "argument": "input.initialFacility"}
    assert counts(conn) == before


async def test_the_same_key_makes_one_change(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn, cards=0, visits=0)
    row = _current_card(conn, b)
    key = {"idempotencyKey": "lock-7f3a"}
    first = await api.query(LOCK, api.officer(), {"input": _action(row), **key})
    retry = await api.query(LOCK, api.officer(), {"input": _action(row), **key})
    assert first == retry and first["data"]["lockHealthInsuranceCard"]["version"] == 2
    assert counts(conn)["health_insurance_card_event"] == 1
    other = await api.query(LOCK, api.officer(), {"input": _action(row, "Khác"), **key})
    assert error(other) == {"code": "BAD_USER_INPUT", "argument": "idempotencyKey"}

    issue_key = {"idempotencyKey": "issue-9c1d"}
    next_year = {"validFrom": f"{today().year + 1}-01-01", "validTo": f"{today().year + 1}-12-31"}
    issued = [
        await api.query(ISSUE, api.officer(), {"input": _issue_input(b, **next_year), **issue_key})
        for _ in range(2)
    ]
    assert issued[0] == issued[1] and "errors" not in issued[0]
    assert counts(conn)["health_insurance_card"] == 2


async def test_concurrent_officers_on_one_version_one_wins(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn, cards=0, visits=0)
    row = _current_card(conn, b)
    bodies = await asyncio.gather(
        api.query(LOCK, api.officer(), {"input": _action(row)}),
        api.query(REVOKE, api.officer(), {"input": _action(row, "Cấp trùng")}),
    )
    won = [b_ for b_ in bodies if "errors" not in b_]
    lost = [error(b_) for b_ in bodies if "errors" in b_]
    assert len(won) == 1 and lost == [{"code": "CONFLICT", "currentVersion": 2}]
    assert counts(conn)["health_insurance_card_event"] == 1


async def test_status_is_derived_from_the_dates_when_read(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn, cards=0, visits=0)
    yesterday = today() - timedelta(days=1)
    # Stored ACTIVE, but its last day has passed; stored EXPIRED (a word of the old loads) but
    # still running; stored locked.
    ended = card(conn, b, valid_from=yesterday - timedelta(days=364), valid_to=yesterday)
    running = card(
        conn, b, valid_from=today(), valid_to=today() + timedelta(days=30), status="EXPIRED"
    )
    hi = await _book(api, b)
    assert {e["node"]["id"]: e["node"]["status"] for e in hi["cards"]["edges"]} == {
        str(ended["id"]): "EXPIRED",
        str(running["id"]): "ACTIVE",
    }
    assert (hi["currentCard"]["id"], hi["currentCard"]["validToday"]) == (str(running["id"]), True)
    facility = api.token(Role.HEALTH_FACILITY, "desk", org=b.facility_code)
    check_in = await api.query(CHECK_IN, facility, {"code": b.bhxh_code})
    assert check_in["data"]["healthInsuranceCard"]["status"] == "ACTIVE"
    conn.execute("DELETE FROM health_insurance_card WHERE id = %s", [ended["id"]])
    conn.execute(
        "UPDATE health_insurance_card SET valid_from = %s, valid_to = %s WHERE id = %s",
        [yesterday - timedelta(days=30), yesterday, running["id"]],
    )
    check_in = await api.query(CHECK_IN, facility, {"code": b.bhxh_code})
    assert check_in["data"]["healthInsuranceCard"] == {
        "id": str(running["id"]),
        "status": "EXPIRED",
        "validToday": False,
    }
