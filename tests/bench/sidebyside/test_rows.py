"""The row-key comparison: it finds a difference, and accepts only the ministry rule's hiding."""

import copy
from typing import Any

from bench.sidebyside import rows

Json = dict[str, Any]


def _person(pid: str, authority: str = "FINANCE") -> Json:
    return {
        "identificationNumber": pid,
        "fullName": f"Person {pid}",
        "managingAuthority": authority,
    }


def _ours(pid: str, *, relative: str | None = "002", household: bool = True) -> Json:
    """A small book as this project answers the e-book fragment."""
    return {
        "identificationNumber": pid,
        "managingAuthority": "FINANCE",
        "relatives": [
            {
                "kind": "FATHER",
                "fullName": "Father",
                "person": {"identificationNumber": relative} if relative else None,
            }
        ],
        "household": {
            "householdCode": "H1",
            "members": [
                {"relationToHead": "HEAD", "person": {"identificationNumber": "003"}},
                {"relationToHead": "CHILD", "person": {"identificationNumber": pid}},
            ],
        }
        if household
        else None,
        "socialInsurance": {
            "bhxhCode": "0123456789",
            "contributionPeriods": {
                "totalCount": 2,
                "edges": [
                    {
                        "node": {
                            "scheme": "COMPULSORY_SOCIAL",
                            "fromMonth": "2001-01",
                            "toMonth": "2003-12",
                        }
                    },
                    {"node": {"scheme": "UNEMPLOYMENT", "fromMonth": "2004-01", "toMonth": None}},
                ],
            },
            "benefits": {"totalCount": 0, "edges": []},
        },
        "healthInsurance": {
            "cards": {
                "totalCount": 1,
                "edges": [{"node": {"code": "DN4010123456789", "validFrom": "2024-01-01"}}],
            }
        },
        "medicalVisits": {
            "totalCount": 1,
            "edges": [{"node": {"admittedAt": "2024-02-03T08:30:00+00:00"}}],
        },
        "unemploymentInsurance": {
            "decisions": [{"decisionNumber": "QD-1"}],
            "contributionPeriods": {
                "totalCount": 1,
                "edges": [{"node": {"fromMonth": "2004-01", "toMonth": None}}],
            },
        },
    }


def _peer(
    pid: str,
    *,
    authority: str = "FINANCE",
    relative_authority: str = "FINANCE",
    member_authority: str = "FINANCE",
) -> Json:
    """The same book as a peer answers bench/peers/queries/ebook.v*.graphql."""
    return {
        **_person(pid, authority),
        "relativesByPersonId": {
            "nodes": [{"kind": "FATHER", "fullName": "Father", "personByRelativePersonId": _person("002", relative_authority)}]
        },
        "householdMemberByPersonId": {
            "relationToHead": "CHILD",
            "householdByHouseholdId": {
                "id": "7",
                "householdCode": "H1",
                "householdMembersByHouseholdId": {
                    "nodes": [
                        {"relationToHead": "CHILD", "personByPersonId": _person(pid)},
                        {"relationToHead": "HEAD", "personByPersonId": _person("003", member_authority)},
                    ]
                },
            },
        },
        "socialInsuranceByPersonId": {"bhxhCode": "0123456789"},
        "contributionPeriodsByPersonId": {
            "totalCount": 2,
            "edges": [
                {"cursor": "a", "node": {"scheme": "COMPULSORY_SOCIAL", "fromMonth": "2001-01-01", "toMonth": "2003-12-01"}},
                {"cursor": "b", "node": {"scheme": "UNEMPLOYMENT", "fromMonth": "2004-01-01", "toMonth": None}},
            ],
        },
        "benefitsByPersonId": {"totalCount": 0, "edges": []},
        "healthInsuranceCardsByPersonId": {
            "totalCount": 1, "edges": [{"node": {"code": "DN4010123456789", "validFrom": "2024-01-01"}}]
        },
        "medicalVisitsByPersonId": {
            "totalCount": 1, "edges": [{"node": {"admittedAt": "2024-02-03T15:30:00.000000+07:00"}}]
        },
        "unemploymentBenefitsByPersonId": {"nodes": [{"decisionNumber": "QD-1"}]},
        "unemploymentPeriods": {"totalCount": 1, "edges": [{"node": {"fromMonth": "2004-01-01", "toMonth": None}}]},
    }  # fmt: skip


def test_the_same_rows_compare_equal_whatever_each_server_formats() -> None:
    result = rows.compare(["001"], {"001": _ours("001")}, {"001": _peer("001")})

    assert result.differences == [] and result.compared == 1
    assert result.hidden_persons == [] and result.hidden_links == 0


def test_a_missing_row_is_a_difference() -> None:
    peer = _peer("001")
    peer["contributionPeriodsByPersonId"]["edges"].pop()
    peer["contributionPeriodsByPersonId"]["totalCount"] = 1

    result = rows.compare(["001"], {"001": _ours("001")}, {"001": peer})

    assert {d.split(":")[1].strip() for d in result.differences} == {
        "periods differs",
        "periods_total differs",
    }


def test_another_card_or_visit_time_is_a_difference() -> None:
    mine = _ours("001")
    mine["medicalVisits"]["edges"][0]["node"]["admittedAt"] = "2024-02-03T08:31:00+00:00"
    mine["healthInsurance"]["cards"]["edges"][0]["node"]["code"] = "DN4010123456780"

    result = rows.compare(["001"], {"001": mine}, {"001": _peer("001")})

    assert len(result.differences) == 2


def test_a_ministry_managed_person_must_be_hidden_and_only_such_a_person() -> None:
    peers = {"001": _peer("001", authority="DEFENCE"), "004": _peer("004")}

    hidden = rows.compare(["001"], {"001": None}, peers)
    wrongly_hidden = rows.compare(["004"], {"004": None}, peers)
    wrongly_shown = rows.compare(["001"], {"001": _ours("001")}, peers)

    assert hidden.differences == [] and hidden.hidden_persons == ["001"]
    assert wrongly_hidden.differences == ["004: this project hides a person it may show"]
    assert wrongly_shown.differences == ["001: this project shows a ministry-managed person"]


def test_a_relative_managed_by_a_ministry_shows_without_their_record() -> None:
    peer = _peer("001", relative_authority="PUBLIC_SECURITY")

    accepted = rows.compare(["001"], {"001": _ours("001", relative=None)}, {"001": peer})
    leaked = rows.compare(["001"], {"001": _ours("001")}, {"001": peer})

    assert accepted.differences == [] and accepted.hidden_links == 1
    assert len(leaked.differences) == 1 and "relatives" in leaked.differences[0]


def test_a_household_holding_a_ministry_managed_member_does_not_exist_for_an_officer() -> None:
    peer = _peer("001", member_authority="DEFENCE")

    accepted = rows.compare(["001"], {"001": _ours("001", household=False)}, {"001": peer})
    leaked = rows.compare(["001"], {"001": _ours("001")}, {"001": peer})
    lost = rows.compare(["001"], {"001": _ours("001", household=False)}, {"001": _peer("001")})

    assert accepted.differences == [] and accepted.hidden_links == 1
    assert len(leaked.differences) == 1 and "household" in leaked.differences[0]
    assert len(lost.differences) == 1 and "household" in lost.differences[0]


def test_peers_agree_after_the_key_column_name_cursors_and_timestamp_format() -> None:
    v4 = {"data": {"book": _peer("001")}}
    v5 = copy.deepcopy(v4)
    household = v5["data"]["book"]["householdMemberByPersonId"]["householdByHouseholdId"]
    household["rowId"] = household.pop("id")
    v5["data"]["book"]["contributionPeriodsByPersonId"]["edges"][0]["cursor"] = "other-format"
    v5["data"]["book"]["medicalVisitsByPersonId"]["edges"][0]["node"]["admittedAt"] = (
        "2024-02-03T08:30:00+00:00"
    )

    assert rows.same_response(v4, v5) == []

    v5["data"]["book"]["socialInsuranceByPersonId"]["bhxhCode"] = "9999999999"
    assert rows.same_response(v4, v5) == [
        ".data.book.socialInsuranceByPersonId.bhxhCode: '0123456789' != '9999999999'"
    ]
