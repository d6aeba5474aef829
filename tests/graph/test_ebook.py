"""The whole e-book in one query, and what it costs the database."""

from datetime import date
from typing import Any

import psycopg
import pytest
from joserfc.jwk import ECKey

from db import bhyt_rules
from db.enums import Sex
from db.session import Query
from db.urls import libpq_conninfo
from graph.authz.policy import BOOK
from tests.conftest import empty_tables
from tests.factories.book import book
from tests.graph.conftest import Api, CountingDatabase, serving
from tests.graph.operations import ENTITIES, ME, PERSON, PERSONS

# Statements for a whole book: person (with its social insurance record), relatives,
# membership, periods ×2 (BHXH, BHTN), totals, benefits, current card, cards, visits, BHTN
# decisions, BHYT contributions (issue 9: a relation of its own, one statement for any number
# of books). Rows bring what they name: a person named by a key its social insurance record,
# cards and visits their facility, relatives their persons, a membership its household with its
# members and their persons, periods their employers (db.queries.compile.carry). The bound is
# the point: it must not grow with the data.
EBOOK_STATEMENTS = 12 + 1  # reads, and the one access-log insert for someone else's book
EVERY_SCOPE = frozenset(g.value.lower() for g in BOOK)


@pytest.fixture
def api(api_both: Api) -> Api:
    return api_both


async def test_citizen_reads_whole_book(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn, periods=6, cards=3, visits=4, benefits=2, claims=1)
    body = await api.query(ME, api.citizen(b.person))
    assert "errors" not in body, body
    me = body["data"]["me"]
    assert me["fullName"] == "Nguyễn Thị Lan"
    assert me["birthDate"] == {
        "year": 1988,
        "month": 5,
        "day": 17,
        "precision": "DAY",
        "text": "1988-05-17",
    }
    assert me["ethnicity"] == {"code": "01", "name": "Kinh"}
    assert {r["kind"] for r in me["relatives"]} == {"SPOUSE", "FATHER"}
    spouse = next(r for r in me["relatives"] if r["kind"] == "SPOUSE")
    # The record names the spouse; the spouse's own book is theirs, not the citizen's to open.
    assert spouse["fullName"] == "Trần Văn Hùng"
    assert spouse["person"] is None
    assert me["household"]["relationToHead"] == "SPOUSE"
    assert [m["relationToHead"] for m in me["household"]["members"]] == ["SPOUSE"]
    si = me["socialInsurance"]
    assert si["bhxhCode"] == b.bhxh_code
    assert si["contributionPeriods"]["totalCount"] == 6
    assert [e["node"]["fromMonth"] for e in si["contributionPeriods"]["edges"]][:2] == [
        "2008-01",
        "2008-05",
    ]
    assert {t["scheme"]: t["months"] for t in si["totals"]} == {
        "COMPULSORY_SOCIAL": 24,  # BHTN months lie in BHXH months (the factory)
        "UNEMPLOYMENT": 8,
    }
    assert si["benefits"]["totalCount"] == 2
    hi = me["healthInsurance"]
    assert hi["cards"]["totalCount"] == 3
    assert hi["currentCard"]["validFrom"] == f"{bhyt_rules.today().year}-01-01"
    assert hi["currentCard"]["code"] == "DN401" + b.bhxh_code
    assert me["medicalVisits"]["totalCount"] == 4
    ui = me["unemploymentInsurance"]
    assert ui["contributionMonths"] == 8
    # 24 months counted, 1 benefit month used (12 spent) → 12 reserved; no BHTN month since 2012.
    assert ui["reservedMonths"] == 12
    assert ui["decisions"][0]["monthsGranted"] == 3


async def test_officer_follows_links_to_relatives_records(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn)
    body = await api.query(
        PERSON, api.officer(EVERY_SCOPE), {"id": b.person["identification_number"]}
    )
    person = body["data"]["person"]
    spouse = next(r for r in person["relatives"] if r["kind"] == "SPOUSE")
    assert spouse["person"]["fullName"] == "Trần Văn Hùng"
    assert len(person["household"]["members"]) == 2


@pytest.mark.parametrize("length", ["short", "long"])
async def test_one_book_costs_a_fixed_number_of_statements(
    api: Api, conn: psycopg.Connection, length: str
) -> None:
    size = {
        "short": dict(periods=1, cards=1, visits=1),
        "long": dict(periods=90, cards=12, visits=95),
    }[length]
    b = book(conn, **size)  # type: ignore[arg-type]
    body = await api.query(
        PERSON, api.officer(EVERY_SCOPE), {"id": b.person["identification_number"]}
    )
    assert "errors" not in body, body
    assert api.last_statements == EBOOK_STATEMENTS


def _books(conn: psycopg.Connection, n: int, long: bool) -> list[Any]:
    size = dict(periods=40, cards=6, visits=30) if long else dict(periods=1, cards=1, visits=1)
    return [book(conn, **size) for _ in range(n)]  # type: ignore[arg-type]


@pytest.mark.parametrize("long", [False, True])
async def test_fifty_books_cost_what_one_does(
    api: Api, conn: psycopg.Connection, long: bool
) -> None:
    _books(conn, 50, long)
    body = await api.query(PERSONS, api.officer(EVERY_SCOPE), {"first": 50})
    assert "errors" not in body, body
    assert len(body["data"]["persons"]["edges"]) == 50
    # persons page (carrying their social insurance records) + its count, then the same
    # statements as one book.
    assert api.last_statements == EBOOK_STATEMENTS + 1


@pytest.mark.parametrize("long", [False, True])
async def test_fifty_entities_cost_what_one_does(
    api: Api, conn: psycopg.Connection, long: bool
) -> None:
    books = _books(conn, 50, long)
    reps = [
        {"__typename": "Person", "identificationNumber": b.person["identification_number"]}
        for b in books
    ]
    body = await api.query(ENTITIES, api.officer(EVERY_SCOPE), {"reps": reps})
    assert "errors" not in body, body
    assert [e["identificationNumber"] for e in body["data"]["_entities"]] == [
        b.person["identification_number"] for b in books
    ]
    assert api.last_statements == EBOOK_STATEMENTS


async def test_sibling_fields_share_the_request_connection(
    api: Api, conn: psycopg.Connection
) -> None:
    """graphql-core resolves siblings concurrently; the reader serialises them on one connection."""
    b = book(conn, periods=5)
    aliases = " ".join(
        f"p{i}: person(identificationNumber: $id) {{ socialInsurance {{ contributionPeriods(first: {i + 1}) {{ totalCount }} }} }}"
        for i in range(12)
    )
    body = await api.query(
        f"query($id: String!) {{ {aliases} }}",
        api.officer(EVERY_SCOPE),
        {"id": b.person["identification_number"]},
    )
    assert "errors" not in body, body
    assert {
        v["socialInsurance"]["contributionPeriods"]["totalCount"] for v in body["data"].values()
    } == {5}
    assert len(api.database.readers[-1:]) == 1


def _role_token(api: Api, conn: psycopg.Connection, role: str, books: list[Any]) -> str:
    """A token for `role` that relates to every one of `books` (arranging the data for it)."""
    from db.enums import RelativeKind
    from graph.authz.principal import Role
    from tests.factories import person as persons
    from tests.factories.consent import consent

    if role == "representative":
        rep = persons.person(
            conn, full_name="Nguyễn Văn Đại", sex=Sex.MALE, birth_date=date(1950, 1, 1)
        )
        for b in books:
            persons.relative(conn, b.person, RelativeKind.LEGAL_REPRESENTATIVE, linked=rep)
        return api.citizen(rep)
    if role == "employer":
        tax_code = books[0].employers[1]["tax_code"]
        employer_id = books[0].employers[1]["id"]
        for b in books:
            conn.execute(
                "UPDATE contribution_period SET employer_id = %s, to_month = NULL"
                " WHERE id = (SELECT max(id) FROM contribution_period WHERE person_id = %s)",
                (employer_id, b.person["id"]),
            )
        return api.token(Role.EMPLOYER, "hr", org=tax_code)
    if role == "agency":
        for b in books:
            consent(conn, b.person, grantee="BYT", groups=tuple(g.value for g in BOOK))
        return api.token(Role.PARTNER_AGENCY, "byt", org="BYT")
    # The facility where every book's visits took place, so it reads their medical records too.
    facility = books[0].facility_code
    for b in books:
        conn.execute(
            "UPDATE medical_visit SET facility_code = %s WHERE person_id = %s",
            (facility, b.person["id"]),
        )
    return api.token(Role.HEALTH_FACILITY, "desk", org=facility)


@pytest.mark.parametrize("role", ["representative", "employer", "agency", "facility"])
async def test_every_role_reads_fifty_books_at_the_cost_of_one(
    api: Api, conn: psycopg.Connection, role: str
) -> None:
    counts = []
    for n in (1, 50):
        empty_tables(
            conn,
            "person, employer, social_insurance_office, health_facility",
            restart_identity=False,
        )
        books = _books(conn, n, long=n == 50)
        token = _role_token(api, conn, role, books)
        reps = [
            {"__typename": "Person", "identificationNumber": b.person["identification_number"]}
            for b in books
        ]
        # The first request with an organisation checks it (graph.authz.organisations); the
        # answer is cached, so the steady state is measured on the second.
        await api.query(ENTITIES, token, {"reps": reps[:1]})
        body = await api.query(ENTITIES, token, {"reps": reps})
        assert all(e is not None for e in body["data"]["_entities"]), body.get("errors", [])[:1]
        if role == "facility":  # the facility reads the books' visits, each with its facility
            visits = [e["medicalVisits"] for e in body["data"]["_entities"]]
            assert {v["totalCount"] for v in visits} == {30 if n == 50 else 1}
            assert {e["node"]["facility"]["code"] for v in visits for e in v["edges"]} == {
                books[0].facility_code
            }
        counts.append(api.last_statements)
    assert counts[0] == counts[1]
    # + the role's fact look-up, once for the books and once for the persons they link to
    assert counts[0] <= EBOOK_STATEMENTS + 2


_FACILITY = "code name address tier province { code name }"
CARD_FACILITIES = f"""
query($short: String!, $code: String!) {{
  me {{
    healthInsurance {{
      currentCard {{ initialFacility {{ {_FACILITY} }} }}
      cards {{ edges {{ node {{ initialFacility {{ {_FACILITY} }} }} }} }}
    }}
    medicalVisits {{ edges {{ node {{ facility {{ {_FACILITY} }} }} }} }}
  }}
  healthInsuranceCard(code: $short) {{ initialFacility {{ {_FACILITY} }} }}
  _entities(representations: [{{__typename: "HealthInsuranceCard", code: $code}}]) {{
    ... on HealthInsuranceCard {{ initialFacility {{ {_FACILITY} }} }}
  }}
}}
"""


async def test_cards_and_visits_bring_their_own_facility(
    api: Api, conn: psycopg.Connection
) -> None:
    from tests.factories import reference

    b = book(conn, cards=2, visits=3)
    # The visits were at another facility than the one the cards register.
    clinic = reference.facility(conn, province_code="79")
    conn.execute(
        "UPDATE health_facility SET name = 'Bệnh viện Chợ Rẫy', address = '201B Nguyễn Chí Thanh,"
        " Chợ Lớn, TP. Hồ Chí Minh', tier = 'Cấp chuyên sâu' WHERE code = %s",
        (clinic["code"],),
    )
    conn.execute(
        "UPDATE medical_visit SET facility_code = %s WHERE person_id = %s",
        (clinic["code"], b.person["id"]),
    )
    body = await api.query(
        CARD_FACILITIES,
        api.citizen(b.person),
        {"short": b.bhxh_code, "code": "DN401" + b.bhxh_code},
    )
    assert "errors" not in body, body
    registered = {
        "code": b.facility_code,
        "name": "Bệnh viện Bạch Mai",
        "address": "78 Giải Phóng, Đống Đa, Hà Nội",
        "tier": "Trung ương",
        "province": {"code": "01", "name": "Hà Nội"},
    }
    visited = {
        "code": clinic["code"],
        "name": "Bệnh viện Chợ Rẫy",
        "address": "201B Nguyễn Chí Thanh, Chợ Lớn, TP. Hồ Chí Minh",
        "tier": "Cấp chuyên sâu",
        "province": {"code": "79", "name": "Hồ Chí Minh"},
    }
    data = body["data"]
    hi = data["me"]["healthInsurance"]
    assert hi["currentCard"]["initialFacility"] == registered
    assert [e["node"]["initialFacility"] for e in hi["cards"]["edges"]] == [registered] * 2
    visits = data["me"]["medicalVisits"]["edges"]
    assert [e["node"]["facility"] for e in visits] == [visited] * 3
    assert data["healthInsuranceCard"]["initialFacility"] == registered
    assert data["_entities"] == [{"initialFacility": registered}]


# --- prepared statements ---------------------------------------------------------------------------

PREPARED = Query(
    "prepared_statements",
    "SELECT name, statement, generic_plans + custom_plans AS runs FROM pg_prepared_statements"
    " WHERE statement NOT LIKE '%%pg_prepared_statements%%'",
)
PERIODS = """query($id: String!, $after: String, $from: YearMonth) {
  person(identificationNumber: $id) { socialInsurance { contributionPeriods(first: 2, after: $after, fromMonth: $from) {
    pageInfo { endCursor } edges { node { fromMonth } } } } } }"""


async def _prepared(database: CountingDatabase) -> dict[str, dict[str, Any]]:
    """The read lane's prepared statements by name (db.lane: one connection for every read)."""
    async with database.reader() as reader:
        return {row["name"]: row for row in await reader.fetch(PREPARED, {})}


def _runs(prepared: dict[str, dict[str, Any]]) -> int:
    return sum(row["runs"] for row in prepared.values())


async def test_every_statement_is_prepared_once_per_connection(
    runtime_url: str, dev_key: ECKey, conn: psycopg.Connection
) -> None:
    """Two books on one pooled connection, the second's keys past smallint's range (persons) and
    integer's (households, employers) where the first's fit a smallint: the second book prepares
    nothing new and runs every statement of the first again, prepared; each statement text is one
    prepared statement (one plan cache, one query id)."""
    small = book(conn)
    for table, start in (("person", 70_000), ("household", 3 * 10**9), ("employer", 3 * 10**9)):
        conn.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", (table, start))
    large = book(conn)
    assert small.person["id"] < 2**15 < large.person["id"]
    assert large.household_id > 2**31 and large.employers[0]["id"] > 2**31
    database = CountingDatabase(libpq_conninfo(runtime_url), max_size=1)
    async with serving(database, dev_key) as api:
        token = api.officer(EVERY_SCOPE)
        body = await api.query(PERSON, token, {"id": small.person["identification_number"]})
        assert "errors" not in body, body
        first = await _prepared(database)
        # Every read ran prepared; the access log's insert went on the request's connection.
        assert _runs(first) == api.last_statements - 1
        body = await api.query(PERSON, token, {"id": large.person["identification_number"]})
        assert "errors" not in body, body
        assert body["data"]["person"]["household"]["members"], body
        second = await _prepared(database)
    assert second.keys() == first.keys()
    assert _runs(second) - _runs(first) == api.last_statements - 1
    assert all(second[name]["runs"] > row["runs"] for name, row in first.items())
    texts = [row["statement"] for row in second.values()]
    assert len(texts) == len(set(texts))


async def test_a_cursor_or_a_filter_does_not_prepare_a_statement_again(
    runtime_url: str, dev_key: ECKey, conn: psycopg.Connection
) -> None:
    """A page's parameters go from None (no cursor, no filter) to dates and ids: the same
    prepared statement runs."""
    b = book(conn, periods=6)
    database = CountingDatabase(libpq_conninfo(runtime_url), max_size=1)
    async with serving(database, dev_key) as api:
        token, person = api.officer(EVERY_SCOPE), b.person["identification_number"]
        body = await api.query(PERIODS, token, {"id": person})
        page = body["data"]["person"]["socialInsurance"]["contributionPeriods"]
        first = await _prepared(database)
        variables = {"id": person, "after": page["pageInfo"]["endCursor"], "from": "2008-01"}
        body = await api.query(PERIODS, token, variables)
        assert body["data"]["person"]["socialInsurance"]["contributionPeriods"]["edges"], body
        second = await _prepared(database)
    assert second.keys() == first.keys()
    assert _runs(second) - _runs(first) == api.last_statements - 1
