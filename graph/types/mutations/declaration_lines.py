"""A declaration's lines, checked twice: on their own (formats, the salary rules), and against the
book inside the unit of work (who the person is to the employer, which rows are open). Every
failing line is collected; the declaration answers all of them in one BAD_USER_INPUT error.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from db import contribution_rules as rules
from db.contribution_rules import OPENING, OUTCOME, LineKind
from db.enums import Scheme, WageRegion
from db.identifiers import InvalidIdentifier, validate_bhxh_code, validate_personal_id
from db.queries.declaration import PersonFacts
from db.session import Row
from db.writes.declaration import LineRecord, Opening
from graph.authz.policy import Facts, Relation
from graph.authz.principal import Principal
from graph.authz.write_policy import WriteAccess, WriteOperation, decide_write, write_relation
from graph.errors import BAD_USER_INPUT, DomainError
from graph.types.declaration import MAX_JOB_TITLE, ContributionDeclarationLineInput

# An unknown key and one of a person kept by another ministry get the same words (no oracle),
# per kind: a hire names someone the employer may not know yet; every other kind names an
# employee, and for someone who is not one the same words are true as well.
NO_PERSON_TO_HIRE = "no person with this {key} can be hired"
NOT_AN_EMPLOYEE = "is not an employee of this employer"
ALREADY_EMPLOYED = "already employed by this employer"


@dataclass(frozen=True)
class LineFailure:
    line: int
    field: str
    reason: str

    @property
    def argument(self) -> str:
        return f"input.lines[{self.line}].{self.field}"


class LineErrors(DomainError):
    """Every failing line of a declaration in one error: `argument` names the first failing
    field, `lines` each failing line's field and reason."""

    code = BAD_USER_INPUT

    def __init__(self, failures: Sequence[LineFailure], total: int) -> None:
        ordered = sorted(failures, key=lambda f: f.line)
        first = ordered[0]
        n = len(ordered)
        super().__init__(
            f"{n} of {total} line{'s' if total != 1 else ''} failed, nothing was declared;"
            f" the first: {first.argument}: {first.reason}",
            argument=first.argument,
            lines=[{"line": f.line, "argument": f.argument, "reason": f.reason} for f in ordered],
        )


@dataclass(frozen=True)
class Line:
    """A line that passed the checks of its own."""

    number: int
    key: str
    """The person's personal ID or BHXH code (graph.validation.person_key's keys)."""
    key_field: str
    """The input field that gave `key`: identificationNumber or bhxhCode."""
    kind: LineKind
    salary_vnd: int | None
    job_title: str | None
    schemes: frozenset[Scheme] | None


def checked_lines(
    inputs: Sequence[ContributionDeclarationLineInput], month: date, region: WageRegion
) -> tuple[list[Line], list[LineFailure]]:
    """The lines that pass the checks needing no data, and a failure for each of the others
    (the first failing field of the line). A key named again is a failure of the later line (one
    person named by both keys is found by `plan_lines`)."""
    lines: list[Line] = []
    failures: list[LineFailure] = []
    first_line: dict[str, int] = {}
    for number, given in enumerate(inputs):
        checked = _checked(number, given, month, region)
        if isinstance(checked, LineFailure):
            failures.append(checked)
            continue
        earlier = first_line.setdefault(checked.key, number)
        if earlier != number:
            failures.append(_again(checked, earlier))
            continue
        lines.append(checked)
    return lines, failures


def _checked(
    number: int, given: ContributionDeclarationLineInput, month: date, region: WageRegion
) -> Line | LineFailure:
    def fail(field: str, reason: str) -> LineFailure:
        return LineFailure(number, field, reason)

    # A foreign worker known by passport only has no personal ID: the BHXH code names them
    # (README "Persons known by passport only"). A line names its person once, by one key.
    named = [
        (name, key)
        for name, key in (
            ("identificationNumber", given.identification_number),
            ("bhxhCode", given.bhxh_code),
        )
        if key is not None
    ]
    if len(named) != 1:
        return fail(
            "bhxhCode" if named else "identificationNumber",
            "give exactly one of identificationNumber and bhxhCode",
        )
    key_field, key = named[0]
    validate = validate_bhxh_code if key_field == "bhxhCode" else validate_personal_id
    try:
        ident = validate(key)
    except InvalidIdentifier as exc:
        return fail(key_field, exc.reason)
    kind = given.kind
    if kind not in OPENING:
        for field_name, value in (
            ("salaryVnd", given.salary_vnd),
            ("jobTitle", given.job_title),
            ("schemes", given.schemes),
        ):
            if value is not None:
                return fail(field_name, f"must be omitted for {kind.value}: nothing opens")
        return Line(number, ident, key_field, kind, None, None, None)
    if given.salary_vnd is None:
        return fail("salaryVnd", f"is required for {kind.value}")
    if (problem := rules.salary_problem(given.salary_vnd, region, month)) is not None:
        return fail("salaryVnd", problem)
    title = (given.job_title or "").strip()
    if not 1 <= len(title) <= MAX_JOB_TITLE:
        return fail("jobTitle", f"is required for {kind.value}: 1 to {MAX_JOB_TITLE} characters")
    if not given.schemes:
        return fail("schemes", f"is required for {kind.value}: at least COMPULSORY_SOCIAL")
    schemes = frozenset(given.schemes)
    if (problem := rules.schemes_problem(schemes)) is not None:
        return fail("schemes", problem)
    return Line(number, ident, key_field, kind, given.salary_vnd, title, schemes)


@dataclass
class Plan:
    """What a declaration's lines do, for db.writes.declaration.apply."""

    remove_ids: list[int] = field(default_factory=list)
    close_ids: list[int] = field(default_factory=list)
    openings: list[Opening] = field(default_factory=list)
    records: list[LineRecord] = field(default_factory=list)


def plan_lines(
    lines: Sequence[Line],
    persons: Mapping[str, Row | None],
    facts: Mapping[int, PersonFacts],
    *,
    principal: Principal,
    employer_id: int,
    access: WriteAccess,
    month: date,
) -> tuple[Plan, list[LineFailure]]:
    """Each line decided by the write policy on the facts read under the employer's lock, then
    checked against the person's rows at the employer; the changes of the lines that pass."""
    plan = Plan()
    failures: list[LineFailure] = []
    first_line: dict[int, int] = {}
    for line in lines:
        person = persons.get(line.key)
        reason = (
            _refusal(line, person, facts[person["id"]], principal, employer_id, access, month)
            if person is not None
            else _unknown(line)
        )
        if reason is not None:
            failures.append(LineFailure(line.number, line.key_field, reason))
            continue
        assert person is not None
        # Only a person the line may name gets here: telling that two keys are one person
        # reveals nothing the caller may not read.
        earlier = first_line.setdefault(person["id"], line.number)
        if earlier != line.number:
            failures.append(_again(line, earlier))
            continue
        _add(plan, line, person["id"], facts[person["id"]], month)
    return plan, failures


def _again(line: Line, earlier: int) -> LineFailure:
    return LineFailure(
        line.number,
        line.key_field,
        f"names the same person as line {earlier}: one line per person",
    )


def _unknown(line: Line) -> str:
    if line.kind is not LineKind.START:
        return NOT_AN_EMPLOYEE
    return NO_PERSON_TO_HIRE.format(
        key="BHXH code" if line.key_field == "bhxhCode" else "personal ID"
    )


def _refusal(
    line: Line,
    person: Row,
    found: PersonFacts,
    principal: Principal,
    employer_id: int,
    access: WriteAccess,
    month: date,
) -> str | None:
    """Why the line cannot be made for `person` (None: it can)."""
    # A person on leave stays the employer's employee without an open row: the labour contract
    # goes on (Labour Code 2019 art. 115, 139), so the policy sees the employment.
    employs = found.employed or found.on_leave
    facts = Facts(employer_id=employer_id if employs else None)
    operation = (
        WriteOperation.DECLARE_HIRE
        if line.kind is LineKind.START
        else WriteOperation.DECLARE_EMPLOYMENT_CHANGE
    )
    granted = decide_write(principal, person, facts, operation)
    if granted is None:
        relation = write_relation(principal, person, facts)
        if relation is None:
            return _unknown(line)
        if line.kind is LineKind.START and relation == Relation.EMPLOYEE:
            return _already(found)
        return NOT_AN_EMPLOYEE
    assert granted.grounds == access.grounds  # what the change log records for the declaration
    if line.schemes and (
        problem := rules.citizens_only_problem(line.schemes, person["nationality"])
    ):
        return problem
    if line.kind is LineKind.START:
        if found.overlapping:
            return f"has a contribution period at this employer in or after {month:%m/%Y}"
        return None
    if any(first > month for first in found.open_from_months):
        return f"has contribution periods at this employer that begin after {month:%m/%Y}"
    if line.kind is LineKind.RETURN:
        if found.on_leave:
            return None
        return (
            "is not on leave: declare SALARY_CHANGE to change an employee's terms"
            if found.open_ids
            else "is not on leave from this employer"
        )
    if found.on_leave:
        # Ending the employment of someone on leave closes nothing; anything else waits.
        return None if line.kind is LineKind.END else "is on leave: declare RETURN first"
    if not found.open_ids:
        return "has no open contribution period at this employer"
    return None


def _already(found: PersonFacts) -> str:
    if found.on_leave:
        return f"{ALREADY_EMPLOYED} (on leave): declare RETURN"
    return ALREADY_EMPLOYED


def _add(plan: Plan, line: Line, person_id: int, found: PersonFacts, month: date) -> None:
    if line.kind is not LineKind.START and line.kind is not LineKind.RETURN:
        # Rows that began in the month itself go: ending them the month before would end
        # them before they start.
        for period_id, first in zip(found.open_ids, found.open_from_months, strict=True):
            (plan.remove_ids if first == month else plan.close_ids).append(period_id)
    opened: list[str] | None = None
    if line.kind in OPENING:
        assert line.schemes is not None and line.salary_vnd is not None and line.job_title
        opened = []
        for scheme, rate in rules.opened_schemes(line.schemes, month):
            plan.openings.append(
                Opening(person_id, scheme.value, line.job_title, line.salary_vnd, rate)
            )
            opened.append(scheme.value)
    plan.records.append(
        LineRecord(
            person_id=person_id,
            line_number=line.number,
            kind=line.kind.value,
            salary_vnd=line.salary_vnd,
            job_title=line.job_title,
            schemes=opened,
            outcome=OUTCOME[line.kind].value,
        )
    )
