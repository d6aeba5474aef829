"""The SQL form of each GraphQL field a page's rows can answer (graph.compiled.json_pages):
for a type, by field name, the expression of its value over a source — a page's row, or the
expression an enclosing field handed down (a province's code, a facility's `to_jsonb` row).

Each form is the SQL reading of the field's resolver in graph.types, value for value: the
same column, the same reference table the in-memory lists (db.reference_data) are loaded into,
the same null. Values are raw (a date, an enum's stored text): the GraphQL type of the field
decides how they are read and completed (graph.compiled.json_pages). A field missing here
leaves its whole page to the resolvers, as before.
"""

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Column, Table

from db.models.employer import Employer
from db.models.health_contribution import HealthInsuranceContribution
from db.models.health_insurance import HealthInsuranceCard, MedicalVisit
from db.models.reference import HealthFacility
from db.models.social_insurance import Benefit, ContributionPeriod


@dataclass(frozen=True)
class Leaf:
    sql: str
    nullable: bool
    joins: tuple[tuple[str, str], ...] = ()
    """(alias, join) pairs `sql` reads: each to one row at most, joined once per statement."""


@dataclass(frozen=True)
class Obj:
    """An object: `forms` over `source`; null where `is_null` holds."""

    source: str
    forms: "Forms"
    is_null: str | None = None
    joins: tuple[tuple[str, str], ...] = ()
    """As a Leaf's: what `source` reads."""


@dataclass(frozen=True)
class Leaves:
    """A list of leaves: the elements of the array `sql` (not null), in order."""

    sql: str


Form = Callable[[str], Leaf | Obj | Leaves]
Forms = Mapping[str, Form]


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def columns(model: Any, **fields: str) -> dict[str, Form]:
    """GraphQL field → the model's column of that name, null where the column may be."""
    table = _table(model)

    def form(column: Column[Any]) -> Form:
        return lambda row: Leaf(f"{row}.{column.name}", bool(column.nullable))

    return {field: form(table.c[name]) for field, name in fields.items()}


def _name_in(table: str) -> Form:
    """A reference row's name by its code (the foreign key holds it there), joined: one hash
    of the small table per statement instead of a look-up per row."""

    def name(code: str) -> Leaf:
        alias, joins = _joined(table, "code", code)
        return Leaf(f"{alias}.name", False, joins)

    return name


def _code(code: str) -> Leaf:
    return Leaf(code, False)


PROVINCE: Final[Forms] = {"code": _code, "name": _name_in("province")}
"""graph.types.reference.Province.current, over a province code."""
LEGACY_PROVINCE: Final[Forms] = {"code": _code, "name": _name_in("legacy_province")}
"""Province.legacy, over a pre-2025 province code."""


def _joined(table: str, on: str, code: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """An alias of `table` joined on its `on` column equal to `code`, and the join."""
    alias = f"{table}_{hashlib.sha1(code.encode()).hexdigest()[:10]}"
    return alias, ((alias, f"LEFT JOIN {table} {alias} ON {alias}.{on} = {code}"),)


FACILITY_ROW: Final[Forms] = {
    **columns(HealthFacility, code="code", name="name", address="address", tier="tier"),
    "province": lambda row: Obj(f"{row}.province_code", PROVINCE),
}
"""graph.types.reference.HealthFacility.from_row, over a health_facility row."""


def _facility(code: str) -> Obj:
    """The facility of a foreign key, joined by it (the page statement's own `to_jsonb` of the
    facility is the resolvers')."""
    alias, joins = _joined("health_facility", "code", code)
    return Obj(alias, FACILITY_ROW, joins=joins)


BENEFIT: Final[Forms] = {
    **columns(
        Benefit,
        regime="regime",
        decisionNumber="decision_number",
        decidedOn="decided_on",
        periodFrom="period_from",
        periodTo="period_to",
        amountVnd="amount_vnd",
        lumpSumReason="lump_sum_reason",
        pensionRatePct="pension_rate_pct",
        averageSalaryVnd="average_salary_vnd",
        incapacityPct="incapacity_pct",
        sicknessDays="sickness_days",
    ),
    "payingOffice": lambda row: Obj(
        row,
        {
            "code": lambda r: Leaf(f"{r}.paying_office_code", False),
            # The office's name by the benefit's foreign key: there whenever the code is.
            "name": lambda r: Leaf(f"{r}.paying_office_name", False),
        },
        is_null=f"{row}.paying_office_code IS NULL",
    ),
}

CARD: Final[Forms] = {
    **columns(
        HealthInsuranceCard,
        id="id",
        version="version",
        code="code",
        shortCode="short_code",
        benefitLevel="benefit_level",
        areaCode="area_code",
        validFrom="valid_from",
        validTo="valid_to",
        statusReason="status_reason",
    ),
    # Computed by the page statement (db.queries.health_insurance: card_status, five_year_date).
    "status": lambda row: Leaf(f"{row}.status", False),
    "fiveYearDate": lambda row: Leaf(f"{row}.five_year_date", True),
    "province": lambda row: Obj(f"{row}.province_code", LEGACY_PROVINCE),
    "initialFacility": lambda row: _facility(f"{row}.initial_facility_code"),
}

VISIT: Final[Forms] = {
    **columns(
        MedicalVisit,
        id="id",
        version="version",
        admittedAt="admitted_at",
        dischargedAt="discharged_at",
        visitType="visit_type",
        icd10Code="icd10_code",
        diagnosis="diagnosis",
        totalCostVnd="total_cost_vnd",
        fundPaidVnd="fund_paid_vnd",
        patientPaidVnd="patient_paid_vnd",
    ),
    "facility": lambda row: _facility(f"{row}.facility_code"),
}

HEALTH_CONTRIBUTION: Final[Forms] = columns(
    HealthInsuranceContribution,
    payer="payer",
    fromMonth="from_month",
    toMonth="to_month",
    monthlyAmountVnd="monthly_amount_vnd",
)

EMPLOYER: Final[Forms] = {
    **columns(
        Employer,
        taxCode="tax_code",
        name="name",
        enterpriseCode="enterprise_code",
        establishmentDecision="establishment_decision",
        organisationIdNumber="organisation_id_number",
        unitCode="unit_code",
        headOfficeAddress="head_office_address",
        enterpriseType="enterprise_type",
    ),
    "province": lambda row: Obj(f"{row}.province_code", PROVINCE),
    "businessLines": lambda row: Leaves(f"{row}.business_lines"),
}
"""graph.types.employer.Employer over an employer row (not its contact or employees: who may
read those depends on the caller)."""

PERIOD_EMPLOYER: Final = "pe"
PERIOD_EMPLOYER_JOIN: Final = (
    f"LEFT JOIN employer {PERIOD_EMPLOYER} ON {PERIOD_EMPLOYER}.id = {{row}}.employer_id"
)
"""The employer row of a contribution period `row`, for `CONTRIBUTION_PERIOD`'s employer."""

CONTRIBUTION_PERIOD: Final[Forms] = {
    **columns(
        ContributionPeriod,
        scheme="scheme",
        fromMonth="from_month",
        toMonth="to_month",
        jobTitle="job_title",
        salaryVnd="salary_vnd",
        salaryCoefficient="salary_coefficient",
        ratePct="rate_pct",
        arduous="arduous",
        stateSupportPct="state_support_pct",
        stateSupportMonths="state_support_months",
    ),
    # Computed by the page statement (db.queries.period_values).
    "months": lambda row: Leaf(f"{row}.months", False),
    "employerAmountVnd": lambda row: Leaf(f"{row}.employer_amount_vnd", True),
    "employeeAmountVnd": lambda row: Leaf(f"{row}.employee_amount_vnd", True),
    "stateSupportVnd": lambda row: Leaf(f"{row}.state_support_vnd", True),
    "notes": lambda row: Leaves(f"{row}.notes"),
    "participantCategory": lambda row: Leaf(f"NULLIF({row}.participant_category, '')", True),
    "settled": lambda row: Leaf(f"({row}.settled_by IS NOT NULL)", False),
    "allowances": lambda row: Obj(
        row,
        columns(
            ContributionPeriod,
            position="position_allowance",
            seniorityPct="seniority_allowance_pct",
            regional="regional_allowance",
        ),
    ),
    "employer": lambda row: Obj(PERIOD_EMPLOYER, EMPLOYER, is_null=f"{row}.employer_id IS NULL"),
}
