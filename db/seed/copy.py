"""COPY into the tables: column lists in the order the generators render them, and text escaping.

Generators render rows directly in COPY's text format (tab-separated, \\N for NULL) because that is
several times cheaper than handing tuples to a driver. All text comes from the generator's own
word lists and the reference lists, which `escape` would leave unchanged: none holds a tab,
newline, carriage return or backslash. `check_clean` asserts that once, when the lists load.
"""

from collections.abc import Iterable

import psycopg
from psycopg.rows import TupleRow

COLUMNS: dict[str, tuple[str, ...]] = {
    "employer": (
        "id", "tax_code", "name", "enterprise_code", "establishment_decision",
        "organisation_id_number", "unit_code", "head_office_address", "province_code",
        "business_lines", "phone", "email", "enterprise_type", "office_code",
    ),
    "person": (
        "id", "identification_number", "passport_number", "full_name", "birth_date",
        "birth_date_precision", "sex", "ethnicity_code", "nationality", "birth_registration_place",
        "birth_registration_province_code", "hometown", "permanent_residence",
        "residence_province_code", "managing_authority", "phone", "email", "contact_address",
        "died_on",
    ),
    "household": ("id", "household_code", "address", "province_code"),
    "household_member": ("household_id", "person_id", "relation_to_head"),
    "relative": (
        "id", "person_id", "kind", "full_name", "identification_number", "passport_number",
        "relative_person_id",
    ),
    "social_insurance": (
        "person_id", "bhxh_code", "managing_unit_code", "office_code", "participant_category",
        "payment_method", "tax_code", "issuing_office_code", "issued_on",
    ),
    "contribution_period": (
        "id", "person_id", "scheme", "from_month", "to_month", "employer_id", "job_title",
        "salary_vnd", "salary_coefficient", "position_allowance", "seniority_allowance_pct",
        "regional_allowance", "rate_pct", "arduous", "notes", "state_support_pct",
        "state_support_months", "participant_category", "settled_by",
    ),
    "benefit": (
        "id", "person_id", "regime", "decision_number", "decided_on", "period_from", "period_to",
        "amount_vnd", "pension_rate_pct", "average_salary_vnd", "incapacity_pct", "sickness_days",
        "paying_office_code",
    ),
    "unemployment_benefit": (
        "id", "person_id", "decision_number", "filed_on", "decided_on", "starts_on",
        "contribution_months_counted", "months_granted", "months_used", "monthly_amount_vnd",
    ),
    "health_insurance_card": (
        "id", "person_id", "code", "short_code", "category_code", "benefit_level", "province_code",
        "area_code", "initial_facility_code", "valid_from", "valid_to", "continuous_cover_since",
        "status", "status_reason",
    ),
    "medical_visit": (
        "id", "card_id", "person_id", "facility_code", "admitted_at", "discharged_at",
        "visit_type", "icd10_code", "diagnosis", "total_cost_vnd", "fund_paid_vnd",
        "patient_paid_vnd",
    ),
    # Ids come from the table's identity, in COPY order: no chunk numbers this table's rows.
    "health_insurance_contribution": (
        "person_id", "payer", "from_month", "to_month", "monthly_amount_vnd",
    ),
}  # fmt: skip

# The tables the seed fills from scratch, parents before children.
DATA_TABLES: tuple[str, ...] = tuple(COLUMNS)

_SPECIAL = ("\\", "\t", "\n", "\r")


def escape(text: str) -> str:
    """A value in COPY's text format."""
    if any(c in text for c in _SPECIAL):
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def check_clean(words: Iterable[str]) -> None:
    for word in words:
        if escape(word) != word:
            raise ValueError(f"word list entry needs COPY escaping: {word!r}")


def copy_statement(table: str) -> str:
    return f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN"


def write(cursor: psycopg.Cursor[TupleRow], table: str, data: bytes) -> None:
    if not data:
        return
    with cursor.copy(copy_statement(table)) as copy:
        copy.write(data)
