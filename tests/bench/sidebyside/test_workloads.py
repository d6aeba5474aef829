"""What wrk is given: workload and key files, and the documents in them."""

import json

import pytest
from graphql import parse, validate

from bench.sidebyside import workloads
from bench.sidebyside.workloads import ENTRY_POINTS, KEY, TOKEN, Workload
from graph.schema import schema

PERSONS = [f"0010{i:08d}" for i in range(60)]
TOKENS = {p: f"token-of-{p}" for p in PERSONS}


def _request(workload: Workload, persons: list[str]) -> tuple[str, dict[str, object]]:
    authorization, body = workloads.fill(workload, persons, TOKENS)
    return authorization, json.loads(body)


def test_the_workload_file_is_the_header_line_then_the_body() -> None:
    workload = workloads.ours(ENTRY_POINTS["person"], "officer-token")

    header, body = workloads.workload_file(workload).split("\n", 1)

    assert header == "Bearer officer-token"
    assert body == workload.body and body.count(KEY) == 1


def test_keys_file_holds_a_line_per_person_and_refuses_what_would_split_one() -> None:
    assert workloads.keys_file([("001", "t1"), ("002", "")]) == "001\tt1\n002\t\n"
    with pytest.raises(ValueError):
        workloads.keys_file([("001\t2", "t")])
    with pytest.raises(ValueError):
        workloads.keys_file([("", "t")])


@pytest.mark.parametrize("entry", ["person", "entities1", "entities50"])
def test_an_officer_asks_for_each_picked_person(entry: str) -> None:
    workload = workloads.ours(ENTRY_POINTS[entry], "officer-token")
    picked = PERSONS[: workload.books]

    authorization, request = _request(workload, picked)

    assert authorization == "Bearer officer-token"
    variables = request["variables"]
    assert isinstance(variables, dict)
    if entry == "person":
        assert variables == {"id": picked[0]}
    else:
        assert [r["identificationNumber"] for r in variables["reps"]] == picked


def test_me_names_the_person_by_their_own_token_only() -> None:
    workload = workloads.ours(ENTRY_POINTS["me"], "officer-token")

    authorization, request = _request(workload, [PERSONS[3]])

    assert authorization == f"Bearer token-of-{PERSONS[3]}"
    assert "variables" not in request and KEY not in workload.body
    assert workload.authorization == f"Bearer {TOKEN}"


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_our_documents_validate_against_the_schema(entry: str) -> None:
    request = json.loads(workloads.ours(ENTRY_POINTS[entry], "t").body)

    assert validate(schema._schema, parse(request["query"])) == []


@pytest.mark.parametrize("server", ["v4", "v5"])
def test_fifty_books_from_a_peer_are_fifty_aliased_root_fields(server: workloads.Server) -> None:
    workload = workloads.peer(server, 50)

    authorization, request = _request(workload, PERSONS[:50])

    assert authorization == "" and workload.books == 50
    assert request["variables"] == {f"k{i}": PERSONS[i] for i in range(50)}
    document = parse(str(request["query"]))
    operation = document.definitions[0]
    assert len(operation.selection_set.selections) == 50  # type: ignore[attr-defined]


def test_the_peers_documents_differ_only_in_v5s_name_for_the_key_column() -> None:
    v4 = workloads.peer_fragment("v4").split("fragment EBook", 1)[1]
    v5 = workloads.peer_fragment("v5").split("fragment EBook", 1)[1]

    assert v5 == v4.replace("ID_ASC]", "ROW_ID_ASC]").replace(
        "PERSON_ROW_ID_ASC", "PERSON_ID_ASC"
    ).replace(" id householdCode", " rowId householdCode")
