"""Role × data group: what each kind of caller reads of one person's book (DESIGN.md's table)."""

from datetime import date

import psycopg
import pytest

from db.enums import ManagingAuthority, RelativeKind, Sex
from graph.authz.policy import DataGroup
from graph.authz.principal import Role
from tests.factories import person as persons
from tests.factories import reference
from tests.factories.book import Book, book
from tests.factories.consent import consent
from tests.graph.conftest import Api
from tests.graph.probes import BOOK_GROUPS, EVERYTHING, PROBES, fields

QUERY = f"query($id: String!) {{ person(identificationNumber: $id) {{ {fields()} }} }}"
ALL = EVERYTHING
OFFICER_DEFAULT = BOOK_GROUPS - {"MEDICAL"}


def _caller(api: Api, conn: psycopg.Connection, b: Book, who: str) -> str:
    """A token for `who`, arranging in the data whatever relation the name implies."""
    match who:
        case "self":
            return api.citizen(b.person)
        case "representative":
            parent = persons.person(
                conn, full_name="Nguyễn Văn Ba", sex=Sex.MALE, birth_date=date(1960, 1, 1)
            )
            persons.relative(conn, b.person, RelativeKind.LEGAL_REPRESENTATIVE, linked=parent)
            return api.citizen(parent)
        case "other citizen":
            return api.citizen(
                persons.person(
                    conn, full_name="Lê Văn Tư", sex=Sex.MALE, birth_date=date(1970, 1, 1)
                )
            )
        case "current employer":
            return api.token(Role.EMPLOYER, "hr-1", org=b.employers[0]["tax_code"])
        case "former employer":
            return api.token(Role.EMPLOYER, "hr-2", org=b.employers[1]["tax_code"])
        case "health facility":
            return api.token(Role.HEALTH_FACILITY, "desk-1", org=b.facility_code)
        case "officer":
            return api.officer()
        case "officer with medical scope":
            return api.officer(frozenset(g.lower() for g in BOOK_GROUPS))
        case "agency with consent":
            consent(conn, b.person, grantee="BNV", groups=("IDENTITY", "SOCIAL_INSURANCE"))
            return api.token(Role.PARTNER_AGENCY, "bnv-1", org="BNV")
        case "agency without consent":
            return api.token(Role.PARTNER_AGENCY, "byt-1", org="BYT")
        case "defence ministry":
            return api.token(Role.MINISTRY, "bqp-1", org="DEFENCE")
        case "auditor":
            return api.token(Role.AUDITOR, "audit-1")
    raise AssertionError(who)


# (caller, groups read of a Finance-managed person; None = the person does not exist for them)
MATRIX: list[tuple[str, set[str] | None]] = [
    ("self", ALL),
    ("representative", ALL),
    ("other citizen", None),
    (
        "current employer",
        {"IDENTITY", "SOCIAL_INSURANCE", "UNEMPLOYMENT_INSURANCE", "HEALTH_INSURANCE"},
    ),
    ("former employer", None),
    ("health facility", {"IDENTITY", "HEALTH_INSURANCE", "MEDICAL"}),
    ("officer", OFFICER_DEFAULT),
    ("officer with medical scope", BOOK_GROUPS),
    ("agency with consent", {"IDENTITY", "SOCIAL_INSURANCE"}),
    ("agency without consent", None),
    ("defence ministry", None),
    ("auditor", {"ACCESS_LOG"}),
]


@pytest.mark.parametrize(("who", "expected"), MATRIX, ids=[m[0] for m in MATRIX])
async def test_role_reads_exactly_its_groups(
    api: Api, conn: psycopg.Connection, who: str, expected: set[str] | None
) -> None:
    b = book(conn, periods=4, ongoing=True)  # ongoing with employers[1]; the first was earlier
    b.employers.reverse()  # employers[0] is now the current one
    token = _caller(api, conn, b, who)
    body = await api.query(QUERY, token, {"id": b.person["identification_number"]})
    if expected is None:
        assert body["data"] == {"person": None}
        assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
        return
    person = body["data"]["person"]
    readable = {g for g in PROBES if person[g.lower()] is not None}
    forbidden = {e["extensions"]["dataGroup"] for e in body.get("errors", [])}
    assert readable == expected
    assert forbidden == ALL - expected
    assert {e["extensions"]["code"] for e in body.get("errors", [])} <= {"FORBIDDEN"}


@pytest.mark.parametrize(
    "authority", [ManagingAuthority.DEFENCE, ManagingAuthority.PUBLIC_SECURITY]
)
@pytest.mark.parametrize(
    "who",
    [
        "officer with medical scope",
        "current employer",
        "health facility",
        "auditor",
        "agency with consent",
        "representative",
    ],
)
async def test_secret_persons_exist_for_nobody_else(
    api: Api, conn: psycopg.Connection, authority: ManagingAuthority, who: str
) -> None:
    b = book(conn, periods=4, ongoing=True, authority=authority)
    b.employers.reverse()
    token = _caller(api, conn, b, who)
    body = await api.query(QUERY, token, {"id": b.person["identification_number"]})
    assert body["data"] == {"person": None}


async def test_own_ministry_reads_the_book(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn, authority=ManagingAuthority.DEFENCE)
    body = await api.query(
        QUERY,
        api.token(Role.MINISTRY, "bqp-1", org="DEFENCE"),
        {"id": b.person["identification_number"]},
    )
    readable = {g for g in PROBES if body["data"]["person"][g.lower()] is not None}
    assert readable == BOOK_GROUPS


async def test_employer_reads_only_its_own_rows(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn, periods=6, ongoing=True)
    current = b.employers[1]  # period i goes to employers[i % 2]; the last (i = 5) is ongoing
    query = """query($id: String!) { person(identificationNumber: $id) { socialInsurance {
      contributionPeriods(first: 50) { totalCount edges { node { employer { taxCode } } } }
      totals { months } benefits { totalCount } } } }"""
    body = await api.query(
        query,
        api.token(Role.EMPLOYER, "hr", org=current["tax_code"]),
        {"id": b.person["identification_number"]},
    )
    assert body["data"]["person"], body
    periods = body["data"]["person"]["socialInsurance"]["contributionPeriods"]
    assert periods["totalCount"] == 3
    assert {e["node"]["employer"]["taxCode"] for e in periods["edges"]} == {current["tax_code"]}
    assert body["data"]["person"]["socialInsurance"]["totals"] is None
    assert {tuple(e["path"][-1:]) for e in body["errors"]} == {("totals",), ("benefits",)}


async def test_facility_reads_only_its_own_visits(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn, visits=3)
    query = (
        "query($id: String!) { person(identificationNumber: $id) { medicalVisits { totalCount } } }"
    )
    facility = conn.execute("SELECT facility_code FROM medical_visit LIMIT 1").fetchone()[0]  # type: ignore[index]
    own = await api.query(
        query,
        api.token(Role.HEALTH_FACILITY, "d", org=facility),
        {"id": b.person["identification_number"]},
    )
    other = await api.query(
        query,
        api.token(Role.HEALTH_FACILITY, "d", org=reference.facility(conn)["code"]),
        {"id": b.person["identification_number"]},
    )
    assert own["data"]["person"]["medicalVisits"]["totalCount"] == 3
    assert other["data"]["person"]["medicalVisits"]["totalCount"] == 0


async def test_employer_lists_only_its_own_employees(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn, periods=2, ongoing=True)
    query = "query($tax: String!) { employer(taxCode: $tax) { name employees { totalCount edges { node { fullName } } } } }"
    own = api.token(Role.EMPLOYER, "hr", org=b.employers[1]["tax_code"])
    body = await api.query(query, own, {"tax": b.employers[1]["tax_code"]})
    assert body["data"]["employer"]["employees"]["edges"] == [
        {"node": {"fullName": "Nguyễn Thị Lan"}}
    ]
    other = await api.query(query, own, {"tax": b.employers[0]["tax_code"]})
    assert other["data"]["employer"]["employees"] is None
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert DataGroup.IDENTITY  # the roster shows identity only: see the matrix above
