"""The write policy (graph/authz/write_policy.py): every mutation has a rule, every rule is
reachable, and nothing is allowed that the table does not say."""

import itertools

import pytest

from db.enums import ManagingAuthority
from graph.authz.policy import Facts, Relation
from graph.authz.principal import Principal, Role
from graph.authz.write_policy import (
    HIRING,
    MUTATION_OPERATIONS,
    OFFICER_SCOPE,
    WRITE_POLICY,
    WriteOperation,
    decide_write,
)
from graph.schema import schema

SUBJECT = "001088012345"
OTHER = "001088054321"


def _person(authority: ManagingAuthority = ManagingAuthority.FINANCE) -> dict[str, object]:
    return {"identification_number": SUBJECT, "managing_authority": authority.value}


def test_every_mutation_of_the_schema_names_its_operations_and_no_other_is_listed() -> None:
    mutation = schema._schema.mutation_type
    assert mutation is not None
    assert set(mutation.fields) == set(MUTATION_OPERATIONS)


def test_every_operation_is_granted_somewhere_and_officers_name_a_scope() -> None:
    granted = {op for ops in WRITE_POLICY.values() for op in ops}
    assert granted == set(WriteOperation)
    assert {op for ops in MUTATION_OPERATIONS.values() for op in ops} == set(WriteOperation)
    officer_ops = WRITE_POLICY[(Role.OFFICER, Relation.MANAGED)]
    assert set(OFFICER_SCOPE) == officer_ops


PRINCIPALS = [
    Principal(Role.CITIZEN, SUBJECT),
    Principal(Role.CITIZEN, OTHER),
    Principal(Role.EMPLOYER, "hr", org="0100109106"),
    Principal(Role.HEALTH_FACILITY, "desk", org="01001"),
    Principal(Role.OFFICER, "o", scopes=frozenset({"health_insurance", "social_insurance"})),
    Principal(Role.OFFICER, "o", scopes=frozenset({"identity"})),
    Principal(Role.PARTNER_AGENCY, "a", org="BYT"),
    Principal(Role.MINISTRY, "m", org="DEFENCE"),
    Principal(Role.AUDITOR, "audit"),
]
FACTS = [Facts(), Facts(represented=True), Facts(employer_id=7)]


@pytest.mark.parametrize(
    ("principal", "facts", "operation"),
    list(itertools.product(PRINCIPALS, FACTS, WriteOperation)),
)
def test_a_write_is_allowed_only_by_a_line_of_the_table(
    principal: Principal, facts: Facts, operation: WriteOperation
) -> None:
    for authority in ManagingAuthority:
        access = decide_write(principal, _person(authority), facts, operation)
        if access is None:
            continue
        assert operation in WRITE_POLICY[(principal.role, access.relation)]
        if principal.role is Role.OFFICER:
            assert OFFICER_SCOPE[operation].value.lower() in principal.scopes
        if authority is not ManagingAuthority.FINANCE:
            # A ministry keeps these books: only the person writes (their own consent, contact).
            assert access.relation == Relation.SELF


def test_an_employer_hires_only_a_person_it_does_not_employ_and_changes_only_its_employees() -> (
    None
):
    employer = Principal(Role.EMPLOYER, "hr", org="0100109106")
    hire, change = WriteOperation.DECLARE_HIRE, WriteOperation.DECLARE_EMPLOYMENT_CHANGE
    assert decide_write(employer, _person(), Facts(), hire) is not None
    assert decide_write(employer, _person(), Facts(), change) is None
    assert decide_write(employer, _person(), Facts(employer_id=7), hire) is None
    employed = decide_write(employer, _person(), Facts(employer_id=7), change)
    assert employed is not None and employed.grounds == ("employment:0100109106",)
    secret = _person(ManagingAuthority.PUBLIC_SECURITY)
    assert decide_write(employer, secret, Facts(), hire) is None
    assert (Role.EMPLOYER, HIRING) in WRITE_POLICY
