"""The example operations front-end teams start from: valid against the schema, and they run."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from graphql import parse, validate

from graph.authz.principal import Role
from graph.schema import schema
from tests.factories.book import book
from tests.graph.conftest import Api

OPERATIONS = Path(__file__).resolve().parents[2] / "examples" / "operations"
FRAGMENTS = "".join(p.read_text() for p in OPERATIONS.glob("*.fragment.graphql"))


@pytest.mark.parametrize(
    "path",
    sorted(p for p in OPERATIONS.glob("*.graphql") if ".fragment." not in p.name),
    ids=lambda p: p.stem,
)
def test_example_validates(path: Path) -> None:
    text = path.read_text()
    document = parse(text + (FRAGMENTS if "...EBook" in text else ""))
    assert validate(schema._schema, document) == []


def _document(name: str) -> str:
    text = (OPERATIONS / f"{name}.graphql").read_text()
    return text + (FRAGMENTS if "...EBook" in text else "")


async def test_examples_run_for_their_users(api: Api, conn: psycopg.Connection) -> None:
    b = book(conn, periods=3, ongoing=True)
    citizen = api.citizen(b.person)
    ident = b.person["identification_number"]

    me = await api.query(_document("me"), citizen)
    assert "errors" not in me, me["errors"][:1]
    assert me["data"]["me"]["fullName"] == "Nguyễn Thị Lan"
    assert me["data"]["me"]["consentHistory"]["totalCount"] == 0

    employer = b.employers[0]  # the ongoing (last) period's employer, i = 2
    roster = await api.query(
        _document("employer_roster"),
        api.token(Role.EMPLOYER, "hr", org=employer["tax_code"]),
        {"taxCode": employer["tax_code"]},
    )
    assert "errors" not in roster, roster["errors"][:1]
    (node,) = [e["node"] for e in roster["data"]["employer"]["employees"]["edges"]]
    assert node["identificationNumber"] == ident

    check_in = await api.query(
        _document("card_check_in"),
        api.token(Role.HEALTH_FACILITY, "desk", org=b.facility_code),
        {"code": b.bhxh_code},
    )
    assert "errors" not in check_in, check_in["errors"][:1]
    assert check_in["data"]["healthInsuranceCard"]["shortCode"] == b.bhxh_code

    valid_until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    groups = ["IDENTITY", "HEALTH_INSURANCE", "SOCIAL_INSURANCE"]
    granted = await api.query(
        _document("grant_consent"),
        citizen,
        {
            "input": {
                "grantee": "BYT",
                "dataGroups": groups,
                "purpose": "Giám định",
                "validUntil": valid_until,
            }
        },
    )
    assert "errors" not in granted, granted["errors"][:1]
    consent_id = granted["data"]["grantConsent"]["id"]

    agency = api.token(Role.PARTNER_AGENCY, "byt", org="BYT")
    read = await api.query(_document("agency_read"), agency, {"id": ident})
    assert "errors" not in read, read["errors"][:1]
    assert read["data"]["person"]["fullName"] == "Nguyễn Thị Lan"

    revoked = await api.query(_document("revoke_consent"), citizen, {"id": consent_id})
    assert revoked["data"]["revokeConsent"]["active"] is False
    after = await api.query(_document("agency_read"), agency, {"id": ident})
    assert after["data"] == {"person": None}
