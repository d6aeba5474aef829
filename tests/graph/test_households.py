"""Households show only the members whose HOUSEHOLD group the caller reads, and a household that
holds someone hidden only by a ministry's secrecy does not exist for a caller who would otherwise
see them: no gap in a household tells that a Defence or Public Security person lives there."""

from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg
import pytest

from db.enums import HouseholdRelation, ManagingAuthority, Sex
from graph.authz.principal import Role
from tests.factories import person as persons
from tests.factories.consent import consent
from tests.factories.person import insert
from tests.graph.conftest import Api


@dataclass
class Home:
    id: int
    members: dict[str, dict[str, Any]]  # relation label → person row


def _home(conn: psycopg.Connection, **authorities: ManagingAuthority) -> Home:
    """A household of a head, a spouse and a child; `authorities` overrides who manages whom."""
    shapes = {
        "HEAD": (Sex.MALE, date(1970, 3, 1), "Lê Văn Hải"),
        "SPOUSE": (Sex.FEMALE, date(1972, 8, 9), "Phạm Thị Hoa"),
        "CHILD": (Sex.MALE, date(2000, 1, 20), "Lê Văn Minh"),
    }
    members = {
        rel: persons.person(
            conn,
            sex=sex,
            birth_date=born,
            full_name=name,
            authority=authorities.get(rel.lower(), ManagingAuthority.FINANCE),
        )
        for rel, (sex, born, name) in shapes.items()
    }
    household = insert(
        conn,
        "household",
        {
            "household_code": f"{members['HEAD']['id']:012d}",
            "address": "5 Hàng Bài, Hà Nội",
            "province_code": "01",
        },
    )
    for rel, row in members.items():
        insert(
            conn,
            "household_member",
            {
                "person_id": row["id"],
                "household_id": household["id"],
                "relation_to_head": HouseholdRelation(rel),
            },
        )
    return Home(household["id"], members)


MEMBERS = "members { relationToHead person { identificationNumber } }"
BY_ID = f"query($id: ID!) {{ household(id: $id) {{ id address {MEMBERS} }} }}"
ENTITY = f"""query($r: [_Any!]!) {{ _entities(representations: $r) {{
  ... on Household {{ id address {MEMBERS} }} }} }}"""
OF_PERSON = f"""query($p: String!) {{ person(identificationNumber: $p) {{
  household {{ id relationToHead {MEMBERS} }} }} }}"""


async def _paths(api: Api, token: str, home: Home, via: str) -> dict[str, Any]:
    """The household as each path gives it: by id, as an entity, from member `via`."""
    by_id = await api.query(BY_ID, token, {"id": str(home.id)})
    entity = await api.query(
        ENTITY, token, {"r": [{"__typename": "Household", "id": str(home.id)}]}
    )
    of_person = await api.query(OF_PERSON, token, {"p": home.members[via]["identification_number"]})
    return {
        "by_id": by_id["data"]["household"] if by_id.get("data") else None,
        "by_id_errors": [e["extensions"]["code"] for e in by_id.get("errors", [])],
        "entity": entity["data"]["_entities"][0],
        "of_person": ((of_person.get("data") or {}).get("person") or {}).get("household"),
    }


def _listed(household: dict[str, Any] | None, home: Home) -> list[str]:
    if household is None:
        return []
    names = {p["identification_number"]: rel for rel, p in home.members.items()}
    return [names[m["person"]["identificationNumber"]] for m in household["members"]]


async def test_agency_lists_only_members_who_consented_to_household(
    api: Api, conn: psycopg.Connection
) -> None:
    home = _home(conn)
    consent(conn, home.members["SPOUSE"], grantee="BYT", groups=("HOUSEHOLD",))
    consent(conn, home.members["CHILD"], grantee="BYT", groups=("IDENTITY",))
    token = api.token(Role.PARTNER_AGENCY, "byt-1", org="BYT")
    seen = await _paths(api, token, home, via="SPOUSE")
    for path in ("by_id", "entity", "of_person"):
        assert _listed(seen[path], home) == ["SPOUSE"], path
    assert seen["of_person"]["relationToHead"] == "SPOUSE"


async def test_a_household_needs_a_member_whose_household_group_the_caller_reads(
    api: Api, conn: psycopg.Connection
) -> None:
    home = _home(conn)
    consent(conn, home.members["CHILD"], grantee="BYT", groups=("IDENTITY",))
    seen = await _paths(api, api.token(Role.PARTNER_AGENCY, "byt-1", org="BYT"), home, "CHILD")
    assert seen["by_id"] is None and seen["by_id_errors"] == ["NOT_FOUND"]
    assert seen["entity"] is None
    officer = await _paths(api, api.officer(frozenset({"identity"})), home, "CHILD")
    assert officer["by_id_errors"] == ["NOT_FOUND"] and officer["entity"] is None


@pytest.mark.parametrize("secret", ["head", "spouse", "child"])
@pytest.mark.parametrize(
    "authority", [ManagingAuthority.DEFENCE, ManagingAuthority.PUBLIC_SECURITY]
)
async def test_a_household_with_a_secret_member_does_not_exist_for_an_officer(
    api: Api, conn: psycopg.Connection, secret: str, authority: ManagingAuthority
) -> None:
    home = _home(conn, **{secret: authority})
    via = next(rel for rel in home.members if rel.lower() != secret)
    seen = await _paths(api, api.officer(), home, via)
    assert seen["by_id"] is None and seen["by_id_errors"] == ["NOT_FOUND"]
    assert seen["entity"] is None
    assert seen["of_person"] is None  # as for a person without a household
    # …exactly what a household id that does not exist answers.
    missing = await api.query(BY_ID, api.officer(), {"id": str(home.id + 1000)})
    assert (
        missing["errors"][0]["message"]
        == (await api.query(BY_ID, api.officer(), {"id": str(home.id)}))["errors"][0]["message"]
    )


async def test_secret_members_consent_does_not_let_them_show_as_a_gap(
    api: Api, conn: psycopg.Connection
) -> None:
    """An agency the secret head consented to would see the head were they an ordinary person:
    listing the spouse without a head would tell it why."""
    home = _home(conn, head=ManagingAuthority.DEFENCE)
    for rel in ("HEAD", "SPOUSE"):
        consent(conn, home.members[rel], grantee="BYT", groups=("HOUSEHOLD",))
    seen = await _paths(api, api.token(Role.PARTNER_AGENCY, "byt-1", org="BYT"), home, "SPOUSE")
    assert seen["by_id"] is None and seen["entity"] is None and seen["of_person"] is None


async def test_gaps_every_caller_has_anyway_keep_the_household(
    api: Api, conn: psycopg.Connection
) -> None:
    home = _home(conn, head=ManagingAuthority.DEFENCE)
    # The spouse herself: she never sees the others' records, whoever manages them.
    body = await api.query(
        f"{{ me {{ household {{ relationToHead {MEMBERS} }} }} }}",
        api.citizen(home.members["SPOUSE"]),
    )
    assert body["data"]["me"]["household"]["relationToHead"] == "SPOUSE"
    assert _listed(body["data"]["me"]["household"], home) == ["SPOUSE"]
    # An agency only the spouse consented to: a head who never consented is an ordinary gap.
    consent(conn, home.members["SPOUSE"], grantee="BYT", groups=("HOUSEHOLD",))
    seen = await _paths(api, api.token(Role.PARTNER_AGENCY, "byt-1", org="BYT"), home, "SPOUSE")
    assert _listed(seen["by_id"], home) == ["SPOUSE"]
    # The head's ministry sees its own person, not the Finance-managed others.
    defence = await _paths(api, api.token(Role.MINISTRY, "bqp-1", org="DEFENCE"), home, "HEAD")
    for path in ("by_id", "entity", "of_person"):
        assert _listed(defence[path], home) == ["HEAD"], path


async def test_officer_sees_an_ordinary_household_whole_head_first(
    api: Api, conn: psycopg.Connection
) -> None:
    home = _home(conn)
    seen = await _paths(api, api.officer(), home, "CHILD")
    for path in ("by_id", "entity", "of_person"):
        assert _listed(seen[path], home) == ["HEAD", "SPOUSE", "CHILD"], path


@pytest.mark.parametrize("bad", ["1" * 30, "٣", "²", "12a", "", " 1", "9223372036854775808"])
async def test_household_id_must_be_a_database_key(api: Api, bad: str) -> None:
    body = await api.query(BY_ID, api.officer(), {"id": bad})
    assert body["data"] is None or body["data"]["household"] is None
    assert [e["extensions"] for e in body["errors"]] == [
        {"code": "BAD_USER_INPUT", "argument": "id"}
    ]
