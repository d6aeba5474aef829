"""Writes that name a foreign worker known by passport only (no personal ID) by their BHXH code:
the employer's declaration, the officers' card issue and lump-sum settlement, and the refusals,
which are the same whichever key named the person."""

import psycopg
import pytest

from db.enums import ManagingAuthority
from graph.authz.principal import Role
from tests.factories import employer as employers
from tests.factories import person as persons
from tests.factories import reference
from tests.factories.book import book
from tests.graph.conftest import Api
from tests.graph.mutations.bhyt import ISSUE, counts, error, this_year
from tests.graph.mutations.declarations import (
    by_code,
    count,
    declaration,
    employee,
    foreign_worker,
    fresh_change_log,  # noqa: F401 (a fixture)
    opening,
    shop,
    whole_table,
)
from tests.graph.mutations.test_benefits import (
    SETTLE,
    Insured,
    lump_sum_history,
    lump_sums,
    settlement,
)

pytestmark = pytest.mark.usefixtures("fresh_change_log")

SUBMIT = """mutation($input: ContributionDeclarationInput!, $idempotencyKey: String!) {
  submitContributionDeclaration(input: $input, idempotencyKey: $idempotencyKey) {
    lines { line identificationNumber bhxhCode kind outcome periodsOpened }
  }
}"""
BOOK = """query($code: String!) { person(bhxhCode: $code) { identificationNumber socialInsurance {
  participantCategory
  contributionPeriods(first: 10) { edges { node { scheme fromMonth participantCategory } } }
} } }"""
C, U, A = "COMPULSORY_SOCIAL", "UNEMPLOYMENT", "OCCUPATIONAL_ACCIDENT"
NOBODY_CODE = "0199999999"


async def test_an_employer_declares_a_foreign_worker_by_bhxh_code(
    api: Api, conn: psycopg.Connection
) -> None:
    s = shop(conn, api)
    worker = foreign_worker(conn)
    local = persons.person(conn)
    body = await api.query(
        SUBMIT,
        s.token,
        declaration(
            "2026-03",
            by_code(opening(local, schemes=[C]), worker),
            opening(local, schemes=[C]),
        ),
    )
    assert "errors" not in body, body
    lines = body["data"]["submitContributionDeclaration"]["lines"]
    assert [(x["line"], x["identificationNumber"], x["bhxhCode"], x["outcome"]) for x in lines] == [
        (0, None, worker["bhxh_code"], "OPENED"),
        (1, local["identification_number"], None, "OPENED"),
    ]
    # The row is contributed under the worker's own category (db/writes/declaration.py).
    read = await api.query(BOOK, api.officer(), {"code": worker["bhxh_code"]})
    assert "errors" not in read, read
    si = read["data"]["person"]["socialInsurance"]
    assert read["data"]["person"]["identificationNumber"] is None
    assert sorted(
        (e["node"]["scheme"], e["node"]["fromMonth"], e["node"]["participantCategory"])
        for e in si["contributionPeriods"]["edges"]
    ) == [(C, "2026-03", "FOREIGN_WORKER"), (A, "2026-03", "FOREIGN_WORKER")]


async def test_a_retry_by_bhxh_code_replays_and_another_key_is_another_write(
    api: Api, conn: psycopg.Connection
) -> None:
    s = shop(conn, api)
    worker, other = foreign_worker(conn), foreign_worker(conn, "E87654321")
    first = declaration("2026-03", by_code(opening(worker, schemes=[C]), worker))
    first["idempotencyKey"] = "retry-foreign-1"
    body = await api.query(SUBMIT, s.token, first)
    assert "errors" not in body, body
    assert await api.query(SUBMIT, s.token, first) == body
    assert count(conn, "contribution_declaration") == 1
    changed = declaration("2026-03", by_code(opening(other, schemes=[C]), other))
    changed["idempotencyKey"] = "retry-foreign-1"
    refused = await api.query(SUBMIT, s.token, changed)
    assert refused["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "argument": "idempotencyKey",
    }
    assert count(conn, "contribution_declaration") == 1


async def test_mixed_keys_cost_no_statement_more(api: Api, conn: psycopg.Connection) -> None:
    """Both kinds of key resolve in the statement that resolves personal IDs alone."""
    s = shop(conn, api)

    async def statements(month: str, hires: int, foreign: int) -> int:
        staff = employee(conn, s.employer)
        hired = [persons.person(conn) for _ in range(hires)]
        workers = [foreign_worker(conn, f"E{month[-2:]}{i:06d}") for i in range(foreign)]
        body = await api.query(
            SUBMIT,
            s.token,
            declaration(
                month,
                opening(staff, "SALARY_CHANGE"),
                *(opening(p) for p in hired),
                *(by_code(opening(staff, schemes=[C]), w) for w in workers),
            ),
        )
        assert "errors" not in body, body["errors"][:1]
        return api.last_statements

    await statements("2026-02", 1, 0)  # the first request also looks the token's employer up
    assert await statements("2026-03", 1, 0) == await statements("2026-04", 60, 60)


@pytest.mark.parametrize("keys", ["both", "neither"])
async def test_a_line_names_its_person_by_exactly_one_key(
    api: Api, conn: psycopg.Connection, keys: str
) -> None:
    s = shop(conn, api)
    worker = foreign_worker(conn)
    local = persons.person(conn)
    bad = opening(local)
    if keys == "both":
        bad["bhxhCode"] = worker["bhxh_code"]
    else:
        del bad["identificationNumber"]
    before = whole_table(conn)
    body = await api.query(
        SUBMIT,
        s.token,
        declaration("2026-03", by_code(opening(persons.person(conn), schemes=[C]), worker), bad),
    )
    assert body["data"] is None, body
    (err,) = body["errors"]
    field = "bhxhCode" if keys == "both" else "identificationNumber"
    assert err["extensions"]["argument"] == f"input.lines[1].{field}"
    assert err["extensions"]["lines"] == [
        {
            "line": 1,
            "argument": f"input.lines[1].{field}",
            "reason": "give exactly one of identificationNumber and bhxhCode",
        }
    ]
    assert whole_table(conn) == before
    assert count(conn, "contribution_declaration") == 0


async def test_one_person_named_by_both_keys_on_two_lines_is_refused(
    api: Api, conn: psycopg.Connection
) -> None:
    s = shop(conn, api)
    local = persons.person(conn)
    code = f"01{local['id']:08d}"
    conn.execute(
        "INSERT INTO social_insurance (person_id, bhxh_code, office_code, participant_category,"
        " payment_method) SELECT %s, %s, code, 'EMPLOYEE', 'MONTHLY'"
        " FROM social_insurance_office LIMIT 1",
        [local["id"], code],
    )
    body = await api.query(
        SUBMIT,
        s.token,
        declaration("2026-03", opening(local), by_code(opening(local), {"bhxh_code": code})),
    )
    assert body["data"] is None, body
    (failure,) = body["errors"][0]["extensions"]["lines"]
    assert failure == {
        "line": 1,
        "argument": "input.lines[1].bhxhCode",
        "reason": "names the same person as line 0: one line per person",
    }
    assert count(conn, "contribution_period") == 0


async def test_a_code_of_nobody_reads_like_a_personal_id_of_nobody(
    api: Api, conn: psycopg.Connection
) -> None:
    """And like the code of a person a ministry keeps, whom no employer here may find."""
    s = shop(conn, api)
    stranger = persons.person(conn)
    soldier = foreign_worker(conn)
    conn.execute("UPDATE person SET managing_authority = 'DEFENCE' WHERE id = %s", [soldier["id"]])
    unknown_id = persons.unrecorded_id(stranger["sex"], 1990)
    body = await api.query(
        SUBMIT,
        s.token,
        declaration(
            "2026-03",
            {**opening(stranger), "identificationNumber": unknown_id},
            by_code(opening(stranger), {"bhxh_code": NOBODY_CODE}),
            by_code(opening(stranger), soldier),
        ),
    )
    lines = body["errors"][0]["extensions"]["lines"]
    assert [(f["argument"], f["reason"]) for f in lines] == [
        ("input.lines[0].identificationNumber", "no person with this personal ID can be hired"),
        ("input.lines[1].bhxhCode", "no person with this BHXH code can be hired"),
        ("input.lines[2].bhxhCode", "no person with this BHXH code can be hired"),
    ]


def _card_input(person_key: str, facility: str) -> dict[str, object]:
    start, end = this_year()
    return {
        "person": person_key,
        "category": "DN",
        "province": "01",
        "initialFacility": facility,
        "validFrom": start.isoformat(),
        "validTo": end.isoformat(),
    }


async def test_an_officer_issues_a_card_by_bhxh_code(api: Api, conn: psycopg.Connection) -> None:
    b = book(
        conn,
        cards=0,
        visits=0,
        identification_number=None,
        passport_number="E12345678",
        nationality="CN",
        full_name="WANG WEI",
    )
    body = await api.query(
        ISSUE, api.officer(), {"input": _card_input(b.bhxh_code, b.facility_code)}
    )
    assert "errors" not in body, body
    assert body["data"]["issueHealthInsuranceCard"]["code"] == f"DN401{b.bhxh_code}"


async def test_an_unknown_or_hidden_person_is_not_found_whichever_key_named_them(
    api: Api, conn: psycopg.Connection
) -> None:
    b = book(conn, cards=0, visits=0)
    hidden = book(conn, cards=0, visits=0, authority=ManagingAuthority.DEFENCE)
    unknown_id = persons.unrecorded_id(b.person["sex"], 1990)
    before = counts(conn)
    answers = []
    for key in (
        unknown_id,
        NOBODY_CODE,
        hidden.person["identification_number"],
        hidden.bhxh_code,
    ):
        body = await api.query(ISSUE, api.officer(), {"input": _card_input(key, b.facility_code)})
        answers.append((error(body), body["errors"][0]["message"]))
    assert answers == [answers[0]] * 4
    assert answers[0][0] == {"code": "NOT_FOUND", "argument": "input.person"}
    assert counts(conn) == before


@pytest.mark.parametrize("value", ["01234567890", "0123456789A", "12345"])
async def test_a_person_argument_of_neither_length_or_form_is_bad_input(
    api: Api, conn: psycopg.Connection, value: str
) -> None:
    b = book(conn, cards=0, visits=0)
    body = await api.query(ISSUE, api.officer(), {"input": _card_input(value, b.facility_code)})
    assert error(body) == {"code": "BAD_USER_INPUT", "argument": "input.person"}


async def test_an_officer_settles_a_foreign_workers_lump_sum_by_bhxh_code(
    api: Api, conn: psycopg.Connection
) -> None:
    worker = foreign_worker(conn)
    employer = employers.employer(conn, reference.office(conn))
    who = Insured(worker, employer)
    lump_sum_history(conn, who)
    body = await api.query(
        SETTLE,
        api.token(Role.OFFICER, "officer-1", scopes=["social_insurance"]),
        settlement({"identification_number": worker["bhxh_code"]}),
    )
    assert "errors" not in body, body
    assert lump_sums(conn) == 1
    settled = conn.execute(
        "SELECT person_id FROM benefit WHERE regime = 'LUMP_SUM_WITHDRAWAL'"
    ).fetchall()
    assert settled == [(worker["id"],)]


async def test_no_bhtn_for_a_foreign_worker_by_the_api_or_the_database(
    api: Api, conn: psycopg.Connection
) -> None:
    """BHTN insures Vietnamese citizens (Law on Employment 38/2013 art. 43(1)): a line opening
    it for a foreign worker is refused naming the line, and the database refuses the row."""
    s = shop(conn, api)
    worker = foreign_worker(conn)
    local = persons.person(conn)
    before = whole_table(conn)
    body = await api.query(
        SUBMIT,
        s.token,
        declaration(
            "2026-03",
            opening(local, schemes=[C, U]),
            by_code(opening(local, schemes=[C, U]), worker),
        ),
    )
    assert body["data"] is None, body
    (err,) = body["errors"]
    assert err["extensions"]["lines"] == [
        {
            "line": 1,
            "argument": "input.lines[1].bhxhCode",
            "reason": "is not a Vietnamese citizen: UNEMPLOYMENT (BHTN) insures Vietnamese"
            " citizens only",
        }
    ]
    assert whole_table(conn) == before
    with pytest.raises(psycopg.errors.CheckViolation) as refused:
        conn.execute(
            "INSERT INTO contribution_period (person_id, scheme, from_month, employer_id,"
            " salary_vnd, rate_pct, participant_category)"
            " VALUES (%s, 'UNEMPLOYMENT', '2026-03-01', %s, 10000000, 1, 'FOREIGN_WORKER')",
            [worker["id"], s.employer["id"]],
        )
    assert refused.value.diag.constraint_name == "ck_contribution_period_foreign_worker_schemes"
