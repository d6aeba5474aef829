"""The compiled execution path answers exactly as Strawberry's executor does.

Two apps over one seeded database, `compiled=False` (the reference) and `compiled=True` (the
candidate), get the same requests from callers of every kind: the e-book through `person`, `me`
and `_entities`, every example operation, and a few hundred documents generated from the schema
(tests/graph/generated.py). Status, data, errors (in order) and access-log rows must be equal
(tests/graph/differential.py says what is compared and what is not)."""

import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import graphql
import psycopg
import pytest
from graphql import OperationType
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc.jwk import ECKey

from db.roles import DEFAULT_RUNTIME_ROLE
from db.urls import libpq_conninfo, with_user
from graph.schema import schema
from tests.conftest import throwaway_database
from tests.factories.world import World, world
from tests.graph.conftest import Api, serving
from tests.graph.differential import (
    Effects,
    Outcome,
    Request,
    compare,
    outcome,
    without_request_id,
)
from tests.graph.generated import Generated, Keys, documents
from tests.graph.operations import EBOOK_FRAGMENT, ENTITIES, ME, PERSON, PERSONS
from tests.graph.principals import principals

OPERATIONS = Path(__file__).resolve().parents[2] / "examples" / "operations"


@dataclass
class Pair:
    reference: Api
    candidate: Api
    effects: Effects
    world: World
    callers: dict[str, str | None]
    documents: st.SearchStrategy[Generated]

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Hypothesis prints a failing example's arguments: the request says all that matters."""
        printer.text("Pair(reference, candidate)")

    async def difference(self, request: Request, *, writes: bool = False) -> str | None:
        expected = await outcome(self.reference, self.effects, request, writes=writes)
        actual = await outcome(self.candidate, self.effects, request, writes=writes)
        return compare(request, expected, actual)

    async def differences(
        self, document: str, variables: dict[str, Any], *, writes: bool = False
    ) -> list[str]:
        """The document from every caller: the report of each caller whose answers differ."""
        reports = []
        for caller, token in self.callers.items():
            request = Request(document, variables, caller, token)
            if report := await self.difference(request, writes=writes):
                reports.append(report)
        return reports


@pytest.fixture(scope="module")
def seeded(server_url: str) -> Iterator[tuple[str, World]]:
    """A database of this module's own: the world is seeded once and every request's effects
    are undone, so each comparison starts from the same rows."""
    with throwaway_database(server_url, migrated=True) as url:
        with psycopg.connect(libpq_conninfo(url), autocommit=True) as conn:
            seeded_world = world(conn)
        yield url, seeded_world


@pytest.fixture(scope="module")
async def pair(seeded: tuple[str, World], dev_key: ECKey) -> AsyncIterator[Pair]:
    url, w = seeded
    runtime = with_user(url, DEFAULT_RUNTIME_ROLE)
    with psycopg.connect(libpq_conninfo(url), autocommit=True) as owner:
        effects = Effects(owner)
        async with (
            serving(runtime, dev_key, compiled=False) as reference,
            serving(runtime, dev_key, compiled=True) as candidate,
        ):
            callers = principals(dev_key, w)
            keys = await _keys(owner, reference, effects, w, callers)
            yield Pair(reference, candidate, effects, w, callers, documents(schema._schema, keys))


async def _keys(
    owner: psycopg.Connection,
    api: Api,
    effects: Effects,
    w: World,
    callers: dict[str, str | None],
) -> Keys:
    def column(sql: str) -> list[str]:
        return [str(row[0]) for row in owner.execute(sql)]

    people = [p["identification_number"] for p in w.people]
    bhxh_codes = column("SELECT bhxh_code FROM social_insurance ORDER BY 1")
    tax_codes = column("SELECT tax_code FROM employer ORDER BY 1")
    households = column("SELECT id FROM household ORDER BY 1")
    cards = column(
        "SELECT code FROM health_insurance_card"
        " UNION SELECT short_code FROM health_insurance_card ORDER BY 1"
    )
    representations: list[dict[str, Any]] = [
        *({"__typename": "Person", "identificationNumber": i} for i in people),
        *({"__typename": "Person", "bhxhCode": c} for c in bhxh_codes),
        *({"__typename": "Employer", "taxCode": t} for t in tax_codes),
        *({"__typename": "Household", "id": h} for h in households),
        {"__typename": "HealthInsuranceCard", "code": cards[0]},
        {"__typename": "Person"},
        {"__typename": "Person", "identificationNumber": "12"},
        {"__typename": "Person", "identificationNumber": "000000000000"},
        {"__typename": "Nobody", "id": "1"},
    ]
    return Keys(
        identification_numbers=people,
        bhxh_codes=bhxh_codes,
        tax_codes=tax_codes,
        card_codes=cards,
        household_ids=households,
        cursors=await _cursors(api, effects, w, callers),
        representations=representations,
    )


_CURSORS = {
    "officer with medical scope": (
        "query($id: String!) { persons(first: 4) { edges { cursor } }"
        " person(identificationNumber: $id) { ...EBook } }" + EBOOK_FRAGMENT
    ),
    "citizen self": (
        "{ me { accessLog(first: 3) { edges { cursor } }"
        " consentHistory(first: 2) { edges { cursor } } } }"
    ),
    "employer current": (
        "query($tax: String!) { employer(taxCode: $tax) { employees(first: 2) { edges { cursor } } } }"
    ),
}


async def _cursors(
    api: Api, effects: Effects, w: World, callers: dict[str, str | None]
) -> list[str]:
    """Real cursors of every kind of connection, as the reference app hands them out."""
    found: set[str] = set()
    variables = {
        "id": w.finance.person["identification_number"],
        "tax": w.current_employer["tax_code"],
    }
    for caller, document in _CURSORS.items():
        used = {k: v for k, v in variables.items() if f"${k}" in document}
        answer = await outcome(
            api, effects, Request(document, used, caller, callers[caller]), writes=False
        )
        _collect(answer.body, found)
    assert len(found) > 10, found
    return sorted(found)


def _collect(value: Any, found: set[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("cursor", "endCursor") and isinstance(item, str):
                found.add(item)
            else:
                _collect(item, found)
    elif isinstance(value, list):
        for item in value:
            _collect(item, found)


def _example(name: str) -> str:
    text = (OPERATIONS / f"{name}.graphql").read_text()
    return text + (EBOOK_FRAGMENT if "...EBook" in text else "")


# Fixed once for the run: the reference and the candidate must get the same variables.
_IN_A_MONTH = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat()


def _example_variables(w: World) -> dict[str, dict[str, Any]]:
    """Variables for every example operation, by file stem."""
    return {
        "agency_read": {"id": w.finance.person["identification_number"]},
        "card_check_in": {"code": w.finance.bhxh_code},
        "employer_roster": {"taxCode": w.current_employer["tax_code"]},
        "grant_consent": {
            "input": {
                "grantee": "TCT",
                "dataGroups": ["IDENTITY", "HEALTH_INSURANCE"],
                "purpose": "Quyết toán thuế",
                "validUntil": _IN_A_MONTH,
            },
            "idempotencyKey": "differential-grant",
        },
        "revoke_consent": {
            "id": str(w.consents["active"]["id"]),
            "idempotencyKey": "differential-revoke",
        },
        "me": {},
    }


def _compared_examples() -> list[str]:
    """Every example query, and the consent mutations. Mutations run through Strawberry's
    executor in both configurations (plans cover queries), so comparing the other mutations
    would compare Strawberry with itself; each has tests of its own (tests/graph/mutations/)."""
    names = []
    for path in sorted(OPERATIONS.glob("*.graphql")):
        if ".fragment." in path.name:
            continue
        mutation = any(
            isinstance(d, graphql.OperationDefinitionNode) and d.operation is OperationType.MUTATION
            for d in graphql.parse(path.read_text()).definitions
        )
        if not mutation or path.stem in _CONSENT_EXAMPLES:
            names.append(path.stem)
    return names


_CONSENT_EXAMPLES = frozenset({"grant_consent", "revoke_consent"})


def test_every_example_has_variables(pair: Pair) -> None:
    assert set(_compared_examples()) == set(_example_variables(pair.world))


@pytest.mark.parametrize("name", _compared_examples())
async def test_example_operations(pair: Pair, name: str) -> None:
    document = _example(name)
    writes = any(
        isinstance(d, graphql.OperationDefinitionNode) and d.operation is OperationType.MUTATION
        for d in graphql.parse(document).definitions
    )
    variables = _example_variables(pair.world)[name]
    reports = await pair.differences(document, variables, writes=writes)
    assert not reports, reports[0]


def _books(w: World) -> dict[str, str]:
    people = {
        "finance": w.finance.person,
        "defence": w.defence.person,
        "public security": w.public_security.person,
        "empty book": w.empty,
        "represented child": w.child.person,
        "employee": w.employees[0],
    }
    ids = {kind: p["identification_number"] for kind, p in people.items()}
    return {**ids, "unknown": "000000000000", "malformed": "12x"}


@pytest.mark.parametrize(
    "kind",
    [
        "finance",
        "defence",
        "public security",
        "empty book",
        "represented child",
        "employee",
        "unknown",
        "malformed",
    ],
)
async def test_ebook_by_person(pair: Pair, kind: str) -> None:
    reports = await pair.differences(PERSON, {"id": _books(pair.world)[kind]})
    assert not reports, reports[0]


async def test_ebook_by_me(pair: Pair) -> None:
    reports = await pair.differences(ME, {})
    assert not reports, reports[0]


async def test_ebooks_by_persons_list(pair: Pair) -> None:
    reports = await pair.differences(PERSONS, {"first": 100})
    assert not reports, reports[0]


async def test_writes_are_compared_and_undone(pair: Pair) -> None:
    """A granted consent is compared with its generated id and time as placeholders, and is gone
    before the next request; so is the access log of a read."""
    w, effects = pair.world, pair.effects
    before = effects.consents()
    variables = _example_variables(w)["grant_consent"]
    grant = Request(
        _example("grant_consent"), variables, "citizen self", pair.callers["citizen self"]
    )
    granted = await outcome(pair.reference, effects, grant, writes=True)
    assert granted.body["data"]["grantConsent"]["id"] == "<consent created #1>"
    (row,) = granted.consents
    assert (row["id"], row["granted_at"], row["grantee_code"]) == (
        "<consent created #1>",
        "<written>",
        "TCT",
    )
    assert effects.consents() == before

    active = str(w.consents["active"]["id"])
    revoke = replace(
        grant,
        document=_example("revoke_consent"),
        variables={"id": active, "idempotencyKey": "differential-revoke"},
    )
    revoked = await outcome(pair.reference, effects, revoke, writes=True)
    assert revoked.body["data"]["revokeConsent"] == {
        "id": active,
        "revokedAt": "<written>",
        "active": False,
    }
    assert effects.consents() == before

    officer = Request(
        PERSON,
        {"id": w.finance.person["identification_number"]},
        "officer",
        pair.callers["officer"],
    )
    read = await outcome(pair.reference, effects, officer, writes=False)
    entries = {entry["person_id"]: entry for entry in read.access_log}
    assert "IDENTITY" in entries[w.finance.person["id"]]["data_groups"]
    remaining = effects.owner.execute("SELECT count(*) FROM access_log").fetchone()
    assert remaining == (7,)  # the seeded history only


def _person(identification_number: str) -> dict[str, str]:
    return {"__typename": "Person", "identificationNumber": identification_number}


async def test_ebook_by_entities(pair: Pair) -> None:
    w = pair.world
    one = [_person(w.finance.person["identification_number"])]
    several = [
        *one,
        _person(w.defence.person["identification_number"]),  # hidden from all but Defence
        {"__typename": "Person"},  # no key: an error at its own position
        _person(w.child.person["identification_number"]),
        _person("12"),
        _person(w.empty["identification_number"]),
        *one,
    ]
    for representations in (one, several):
        reports = await pair.differences(ENTITIES, {"reps": representations})
        assert not reports, reports[0]


@settings(
    max_examples=250,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
async def test_generated_documents(pair: Pair, data: st.DataObject) -> None:
    generated = data.draw(pair.documents, label="document")
    # Offset by the document's checksum: hypothesis favours the first of a list, and every
    # caller should get its share of documents.
    callers = sorted(pair.callers)
    offset = data.draw(st.integers(0, len(callers) - 1), label="caller offset")
    caller = callers[(offset + zlib.crc32(generated.document.encode())) % len(callers)]
    request = Request(generated.document, generated.variables, caller, pair.callers[caller])
    report = await pair.difference(request)
    assert report is None, report


# The comparison itself, on outcomes written by hand.

_REQUEST = Request("{ me { fullName } }", {"v": 1}, "citizen self", None)
_ERRORS = [
    {"message": "first", "path": ["me", "contact"], "extensions": {"code": "FORBIDDEN"}},
    {"message": "second", "path": ["me", "household"], "extensions": {"code": "FORBIDDEN"}},
]
_BASE = Outcome(
    status=200,
    body={"data": {"me": None}, "errors": _ERRORS},
    access_log=[{"person_id": 1, "data_groups": ["IDENTITY"], "grounds": ["scope"]}],
    consents=[],
)


def test_comparison_finds_errors_in_another_order() -> None:
    swapped = replace(_BASE, body={**_BASE.body, "errors": _ERRORS[::-1]})
    report = compare(_REQUEST, _BASE, swapped)
    assert report is not None
    assert "body.errors[0].message: 'first' != 'second'" in report
    assert "caller: citizen self" in report and "{ me { fullName } }" in report
    assert "variables: {'v': 1}" in report


def test_comparison_finds_another_access_log_row() -> None:
    more = [{**_BASE.access_log[0], "data_groups": ["IDENTITY", "CONTACT"]}]
    report = compare(_REQUEST, _BASE, replace(_BASE, access_log=more))
    assert report is not None
    assert "access_log[0].data_groups: 1 items != 2 items" in report
    missing = compare(_REQUEST, _BASE, replace(_BASE, access_log=[]))
    assert missing is not None and "access_log: 1 items != 0 items" in missing


def test_comparison_accepts_equal_outcomes_and_sees_key_order() -> None:
    assert compare(_REQUEST, _BASE, replace(_BASE)) is None
    reordered = {"errors": _ERRORS, "data": {"me": None}}
    report = compare(_REQUEST, _BASE, replace(_BASE, body=reordered))
    assert report is not None and "keys ['data', 'errors'] != ['errors', 'data']" in report


def test_only_the_request_id_of_errors_is_dropped() -> None:
    body = {
        "data": {"me": {"accessLog": {"edges": [{"node": {"requestId": "r-1"}}]}}},
        "errors": [{"message": "m", "extensions": {"code": "FORBIDDEN", "requestId": "r-2"}}],
    }
    assert without_request_id(body) == {
        "data": body["data"],
        "errors": [{"message": "m", "extensions": {"code": "FORBIDDEN"}}],
    }
