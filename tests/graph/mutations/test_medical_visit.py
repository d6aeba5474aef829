"""Medical visits: recorded by a facility under a card valid that day, the cost split by the
register, corrected only by the facility that recorded them."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest

from db.bhyt_rules import VIETNAM, add_months
from graph.authz.principal import Role
from tests.factories import reference
from tests.factories.book import Book, book
from tests.graph.conftest import Api
from tests.graph.mutations.bhyt import (
    CORRECT,
    LOCK,
    RECORD,
    REVOKE,
    callers,
    card,
    change_log,
    counts,
    error,
    secret_book,
    today,
    visit,
)

EBOOK = """{ me {
  medicalVisits { totalCount edges { node { id version totalCostVnd fundPaidVnd patientPaidVnd
                                            icd10Code facility { code } } } }
  healthInsurance { currentCard { status } } } }"""

# Every test day is after 1/7/2026: base salary 2,530,000, so 15 % is 379,500 and 6× 15,180,000.


def _now() -> datetime:
    return datetime.now(VIETNAM)


def _details(admitted: datetime | None = None, **overrides: object) -> dict[str, object]:
    admitted = admitted or _now() - timedelta(hours=2)
    return {
        "admittedAt": admitted.isoformat(),
        "dischargedAt": (admitted + timedelta(hours=1)).isoformat(),
        "visitType": "OUTPATIENT",
        "icd10Code": "J06.9",
        "diagnosis": "Nhiễm trùng đường hô hấp trên cấp",
        "totalCostVnd": 1_000_000,
        **overrides,
    }


def _insured(conn: psycopg.Connection, **card_overrides: Any) -> tuple[Book, dict[str, Any]]:
    """A holder with a DN card (benefit level 4) valid from 200 days ago to 100 days ahead."""
    b = book(conn, cards=0, visits=0)
    valid = {"valid_from": today() - timedelta(days=200), "valid_to": today() + timedelta(days=100)}
    return b, card(conn, b, **(valid | card_overrides))


def _facility(api: Api, b: Book) -> str:
    return api.token(Role.HEALTH_FACILITY, "desk", org=b.facility_code)


def _split(body: dict[str, Any], field: str = "recordMedicalVisit") -> tuple[int, int, int]:
    assert "errors" not in body, body
    v = body["data"][field]
    return v["totalCostVnd"], v["fundPaidVnd"], v["patientPaidVnd"]


async def test_a_visit_is_recorded_with_the_registers_split_and_the_book_shows_it(
    api: Api, conn: psycopg.Connection
) -> None:
    b, c = _insured(conn)
    body = await api.query(
        RECORD, _facility(api, b), {"input": {"cardCode": c["code"], "visit": _details()}}
    )
    # Level 4: the fund pays 80 % of 1,000,000.
    assert _split(body) == (1_000_000, 800_000, 200_000)
    v = body["data"]["recordMedicalVisit"]
    assert (v["version"], v["facility"]["code"], v["visitType"], v["icd10Code"]) == (
        1,
        b.facility_code,
        "OUTPATIENT",
        "J06.9",
    )
    assert conn.execute("SELECT card_id FROM medical_visit").fetchall() == [(c["id"],)]

    me = await api.query(EBOOK, api.citizen(b.person))
    visits = me["data"]["me"]["medicalVisits"]
    assert visits["totalCount"] == 1
    assert visits["edges"][0]["node"] | {"facility": None} == {
        "id": v["id"],
        "version": 1,
        "totalCostVnd": 1_000_000,
        "fundPaidVnd": 800_000,
        "patientPaidVnd": 200_000,
        "icd10Code": "J06.9",
        "facility": None,
    }
    (entry,) = await change_log(api, b)
    assert (entry["operation"], entry["record"], entry["action"], entry["actorRole"]) == (
        "recordMedicalVisit",
        "medical_visit",
        "INSERT",
        "HEALTH_FACILITY",
    )
    assert entry["grounds"] == [f"facility:{b.facility_code}"]
    assert entry["after"]["fund_paid_vnd"] == 800_000 and entry["recordId"] == v["id"]


@pytest.mark.parametrize(
    ("total", "split"),
    [
        (379_499, (379_499, 0)),  # below 15 % of the base salary: all of it
        (379_500, (303_600, 75_900)),  # at it: 80 %
        (0, (0, 0)),
        (1_234_567, (987_654, 246_913)),  # 987,653.6 rounds half up
    ],
)
async def test_the_split_by_cost_and_level(
    api: Api, conn: psycopg.Connection, total: int, split: tuple[int, int]
) -> None:
    b, _ = _insured(conn)
    visit_input = {"cardCode": b.bhxh_code, "visit": _details(totalCostVnd=total)}  # 10-digit code
    body = await api.query(RECORD, _facility(api, b), {"input": visit_input})
    assert _split(body) == (total, *split)


_Insured = Callable[[psycopg.Connection], tuple[Book, dict[str, Any]]]


def _recorded_cover(days: int) -> _Insured:
    """A card with the cover before it an officer recorded, reaching 5 years `days` after
    today (a day earlier when a 29 February shortens the years)."""

    def make(conn: psycopg.Connection) -> tuple[Book, dict[str, Any]]:
        since = add_months(today() + timedelta(days=days), -60)
        return _insured(conn, continuous_cover_since=since)

    return make


def _after_five_years_of(status: str) -> _Insured:
    """A card following, without a break, a card of five years in the given state."""

    def make(conn: psycopg.Connection) -> tuple[Book, dict[str, Any]]:
        b, c = _insured(conn)
        start = c["valid_from"]
        reason = "Cấp trùng thẻ BHYT" if status == "REVOKED" else None
        before = {"valid_to": start - timedelta(days=1), "status": status, "reason": reason}
        card(conn, b, valid_from=add_months(start, -60), **before)
        return b, c

    return make


_CAPPED = (10_000_000, 9_500_000, 500_000)
_NOT_CAPPED = (10_000_000, 8_000_000, 2_000_000)


@pytest.mark.parametrize(
    ("insured", "split"),
    [
        # Five years reached (the derived date is yesterday, or the card's start): the year's
        # co-payments stop at 15,180,000, of which 14,680,000 were paid at another facility
        # earlier this year; last year's do not count.
        (_recorded_cover(days=-1), _CAPPED),
        (_after_five_years_of("EXPIRED"), _CAPPED),
        # Not reached: five years from the recorded cover fall after the visit, the card before
        # is revoked (no cover), or nothing before the card is known.
        (_recorded_cover(days=2), _NOT_CAPPED),
        (_after_five_years_of("REVOKED"), _NOT_CAPPED),
        (_insured, _NOT_CAPPED),
    ],
    ids=["recorded-cover", "earlier-card", "reached-later", "revoked-card", "no-history"],
)
async def test_five_years_of_cover_cap_the_years_co_payments(
    api: Api, conn: psycopg.Connection, insured: _Insured, split: tuple[int, int, int]
) -> None:
    b, c = insured(conn)
    admitted = _now() - timedelta(minutes=1)
    elsewhere = reference.facility(conn)["code"]
    earlier = admitted - timedelta(seconds=30)
    visit(conn, b, c, admitted_at=earlier, total=73_400_000, patient=14_680_000, facility=elsewhere)
    last_year = datetime(admitted.year - 1, 12, 31, 9, tzinfo=VIETNAM)
    visit(conn, b, c, admitted_at=last_year, total=50_000_000, patient=10_000_000)
    details = _details(admitted, dischargedAt=None, totalCostVnd=10_000_000)
    body = await api.query(
        RECORD, _facility(api, b), {"input": {"cardCode": c["code"], "visit": details}}
    )
    assert _split(body) == split


async def test_the_card_must_be_valid_on_the_admission_day(
    api: Api, conn: psycopg.Connection
) -> None:
    b, c = _insured(conn)
    facility = _facility(api, b)
    before_card = datetime.combine(c["valid_from"], datetime.min.time(), VIETNAM) - timedelta(
        hours=1
    )
    before = counts(conn)
    body = await api.query(
        RECORD, facility, {"input": {"cardCode": c["code"], "visit": _details(before_card)}}
    )
    assert error(body) == {"code": "BAD_USER_INPUT", "argument": "input.cardCode"}
    assert "no issue valid" in body["errors"][0]["message"]
    assert counts(conn) == before


@pytest.mark.parametrize("document", [LOCK, REVOKE], ids=["locked", "revoked"])
async def test_a_card_locked_or_revoked_then_is_refused_before_it_is_not(
    api: Api, conn: psycopg.Connection, document: str
) -> None:
    b, c = _insured(conn)
    facility = _facility(api, b)
    yesterday = _now() - timedelta(days=1)
    action = {"id": str(c["id"]), "expectedVersion": 1, "reason": "Chờ xác minh"}
    assert "errors" not in await api.query(document, api.officer(), {"input": action})
    before = counts(conn)
    now = _details(_now(), dischargedAt=None)
    after_it = await api.query(RECORD, facility, {"input": {"cardCode": c["code"], "visit": now}})
    assert error(after_it) == {"code": "BAD_USER_INPUT", "argument": "input.cardCode"}
    assert counts(conn) == before
    # A visit admitted before the officer acted was under a card valid then.
    before_it = await api.query(
        RECORD, facility, {"input": {"cardCode": c["code"], "visit": _details(yesterday)}}
    )
    assert _split(before_it) == (1_000_000, 800_000, 200_000)


async def test_a_card_the_register_holds_locked_is_refused(
    api: Api, conn: psycopg.Connection
) -> None:
    b, c = _insured(conn, status="TEMPORARILY_LOCKED", reason="Đơn vị chưa đóng đủ tiền BHYT")
    body = await api.query(
        RECORD, _facility(api, b), {"input": {"cardCode": c["code"], "visit": _details()}}
    )
    assert error(body) == {"code": "BAD_USER_INPUT", "argument": "input.cardCode"}
    assert "temporarily locked" in body["errors"][0]["message"]


async def test_the_issue_in_force_carries_the_visit_not_a_revoked_one(
    api: Api, conn: psycopg.Connection
) -> None:
    b, revoked = _insured(conn, status="REVOKED", reason="Cấp trùng thẻ BHYT")
    replacement = card(conn, b, valid_from=revoked["valid_from"], valid_to=revoked["valid_to"])
    body = await api.query(
        RECORD, _facility(api, b), {"input": {"cardCode": b.bhxh_code, "visit": _details()}}
    )
    assert "errors" not in body, body
    assert conn.execute("SELECT card_id FROM medical_visit").fetchall() == [(replacement["id"],)]


@pytest.mark.parametrize(
    ("overrides", "argument"),
    [
        ({"cardCode": "12"}, "input.cardCode"),
        ({"admittedAt": "FUTURE"}, "input.visit.admittedAt"),
        ({"admittedAt": "2026-11-29T08:00:00"}, "input.visit.admittedAt"),  # no time zone
        ({"admittedAt": "2014-12-31T08:00:00+07:00"}, "input.visit.admittedAt"),
        ({"dischargedAt": "EARLY"}, "input.visit.dischargedAt"),
        ({"dischargedAt": "FUTURE"}, "input.visit.dischargedAt"),
        ({"icd10Code": "J6"}, "input.visit.icd10Code"),
        ({"diagnosis": "  "}, "input.visit.diagnosis"),
        ({"totalCostVnd": -1}, "input.visit.totalCostVnd"),
        ({"totalCostVnd": 10**13 + 1}, "input.visit.totalCostVnd"),
    ],
)
async def test_bad_visits_change_nothing(
    api: Api, conn: psycopg.Connection, overrides: dict[str, object], argument: str
) -> None:
    b, c = _insured(conn)
    admitted = _now() - timedelta(hours=2)
    moments = {
        "FUTURE": (_now() + timedelta(days=1)).isoformat(),
        "EARLY": (admitted - timedelta(minutes=1)).isoformat(),
    }
    fields = {k: moments.get(v, v) if isinstance(v, str) else v for k, v in overrides.items()}
    code = fields.pop("cardCode", c["code"])
    before = counts(conn)
    body = await api.query(
        RECORD,
        _facility(api, b),
        {"input": {"cardCode": code, "visit": _details(admitted, **fields)}},
    )
    assert error(body) == {"code": "BAD_USER_INPUT", "argument": argument}
    assert counts(conn) == before


async def test_an_unknown_card_is_not_found(api: Api, conn: psycopg.Connection) -> None:
    b, _ = _insured(conn)
    body = await api.query(
        RECORD, _facility(api, b), {"input": {"cardCode": "0199999999", "visit": _details()}}
    )
    assert error(body) == {"code": "NOT_FOUND", "argument": "input.cardCode"}


RECORDERS = {
    "citizen_self": "FORBIDDEN",
    "representative": "FORBIDDEN",
    "stranger": "NOT_FOUND",
    "employer": "FORBIDDEN",
    "other_employer": "NOT_FOUND",
    "officer": "FORBIDDEN",
    "officer_medical": "FORBIDDEN",
    "officer_no_scopes": "NOT_FOUND",
    "agency_consented": "FORBIDDEN",
    "agency": "NOT_FOUND",
    "ministry": "NOT_FOUND",
    "auditor": "FORBIDDEN",
    "anonymous": "UNAUTHENTICATED",
}


@pytest.mark.parametrize(("caller", "code"), sorted(RECORDERS.items()))
async def test_only_facilities_record_and_correct_visits(
    api: Api, conn: psycopg.Connection, caller: str, code: str
) -> None:
    b, c = _insured(conn)
    seeded = visit(
        conn, b, c, admitted_at=_now() - timedelta(days=1), total=500_000, patient=100_000
    )
    token = None if caller == "anonymous" else callers(api, conn, b)[caller]
    before = counts(conn)
    recorded = await api.query(
        RECORD, token, {"input": {"cardCode": c["code"], "visit": _details()}}
    )
    assert error(recorded)["code"] == code
    correction = {"id": str(seeded["id"]), "expectedVersion": 1, "visit": _details()}
    corrected = await api.query(CORRECT, token, {"input": correction})
    assert error(corrected)["code"] == code
    assert counts(conn) == before


async def test_a_person_the_ministry_keeps_is_not_found(api: Api, conn: psycopg.Connection) -> None:
    secret = secret_book(conn)
    c = card(
        conn, secret, valid_from=today() - timedelta(days=10), valid_to=today() + timedelta(days=10)
    )
    body = await api.query(
        RECORD, _facility(api, secret), {"input": {"cardCode": c["code"], "visit": _details()}}
    )
    assert error(body) == {"code": "NOT_FOUND", "argument": "input.cardCode"}
    assert counts(conn)["medical_visit"] == 0


async def test_the_facility_corrects_its_own_visit_and_the_split_follows(
    api: Api, conn: psycopg.Connection
) -> None:
    b, c = _insured(conn)
    facility = _facility(api, b)
    admitted = _now() - timedelta(days=1)
    recorded = await api.query(
        RECORD, facility, {"input": {"cardCode": c["code"], "visit": _details(admitted)}}
    )
    visit_id = recorded["data"]["recordMedicalVisit"]["id"]
    details = _details(admitted, totalCostVnd=2_000_000, icd10Code="j20.9", visitType="INPATIENT")
    correction = {"id": visit_id, "expectedVersion": 1, "visit": details}
    body = await api.query(CORRECT, facility, {"input": correction})
    assert _split(body, "correctMedicalVisit") == (2_000_000, 1_600_000, 400_000)
    v = body["data"]["correctMedicalVisit"]
    assert (v["version"], v["icd10Code"], v["visitType"]) == (2, "J20.9", "INPATIENT")

    me = await api.query(EBOOK, api.citizen(b.person))
    (edge,) = me["data"]["me"]["medicalVisits"]["edges"]
    assert (edge["node"]["fundPaidVnd"], edge["node"]["version"]) == (1_600_000, 2)
    update = next(e for e in await change_log(api, b) if e["action"] == "UPDATE")
    assert update["operation"] == "correctMedicalVisit"
    assert update["before"] == {
        "icd10_code": "J06.9",
        "visit_type": "OUTPATIENT",
        "total_cost_vnd": 1_000_000,
        "fund_paid_vnd": 800_000,
        "patient_paid_vnd": 200_000,
        "version": 1,
    }
    assert update["after"] == {
        "icd10_code": "J20.9",
        "visit_type": "INPATIENT",
        "total_cost_vnd": 2_000_000,
        "fund_paid_vnd": 1_600_000,
        "patient_paid_vnd": 400_000,
        "version": 2,
    }

    stale = await api.query(CORRECT, facility, {"input": correction})
    assert error(stale) == {"code": "CONFLICT", "currentVersion": 2}
    other = api.token(Role.HEALTH_FACILITY, "desk", org=reference.facility(conn)["code"])
    before = counts(conn)
    theirs = await api.query(CORRECT, other, {"input": correction | {"expectedVersion": 2}})
    assert error(theirs) == {"code": "NOT_FOUND", "argument": "input.id"}
    assert counts(conn) == before


async def test_a_correction_must_stay_within_the_cards_validity(
    api: Api, conn: psycopg.Connection
) -> None:
    b, c = _insured(conn)
    seeded = visit(
        conn, b, c, admitted_at=_now() - timedelta(days=1), total=500_000, patient=100_000
    )
    too_early = datetime.combine(c["valid_from"] - timedelta(days=1), datetime.min.time(), VIETNAM)
    before = counts(conn)
    correction = {"id": str(seeded["id"]), "expectedVersion": 1, "visit": _details(too_early)}
    body = await api.query(CORRECT, _facility(api, b), {"input": correction})
    assert error(body) == {"code": "BAD_USER_INPUT", "argument": "input.visit.admittedAt"}
    assert counts(conn) == before


async def test_the_same_key_records_one_visit(api: Api, conn: psycopg.Connection) -> None:
    b, c = _insured(conn)
    facility = _facility(api, b)
    details = _details()
    key = {"idempotencyKey": "visit-2f6b"}
    first = await api.query(
        RECORD, facility, {"input": {"cardCode": c["code"], "visit": details}, **key}
    )
    retry = await api.query(
        RECORD, facility, {"input": {"cardCode": c["code"], "visit": details}, **key}
    )
    assert first == retry and "errors" not in first
    assert counts(conn)["medical_visit"] == 1
    other = await api.query(
        RECORD,
        facility,
        {"input": {"cardCode": c["code"], "visit": details | {"totalCostVnd": 5}}, **key},
    )
    assert error(other) == {"code": "BAD_USER_INPUT", "argument": "idempotencyKey"}
    assert counts(conn)["medical_visit"] == 1


async def test_the_book_shows_the_card_status_the_visit_checked(
    api: Api, conn: psycopg.Connection
) -> None:
    b, c = _insured(conn)
    action = {"id": str(c["id"]), "expectedVersion": 1, "reason": "Chờ xác minh"}
    await api.query(LOCK, api.officer(), {"input": action})
    me = await api.query(EBOOK, api.citizen(b.person))
    assert me["data"]["me"]["healthInsurance"]["currentCard"]["status"] == "TEMPORARILY_LOCKED"
    assert me["data"]["me"]["medicalVisits"]["totalCount"] == 0
