"""What a real e-book shows: per-row conditions and notes

- `contribution_period.arduous` (nặng nhọc, độc hại) and `notes` (ghi chú: back payment,
  maternity months, paid late), an array of db.enums.ContributionNote values.
- `social_insurance.issuing_office_code` and `issued_on`: the book's cover (cơ quan cấp sổ,
  ngày cấp). NULL on books recorded before.
- `person.died_on` (ngày chết): vital status; a card's derived status ends at it.
- `benefit`: pension rate and average-salary basis (retirement), incapacity % (occupational
  accident), sickness days, the paying office; each only on its regime. NULL on decisions
  recorded before.
- `contribution_period.state_support_pct` / `state_support_months`: the state's support of a
  voluntary contribution (Decree 134/2015 art. 14, Decree 159/2025), on voluntary rows only.
- `health_insurance_contribution`: the BHYT contribution history (who pays, how much a month,
  over which months); person-owned, the person key first in its primary key, with the change
  log's three statement triggers (migration 0006's `record_change`).
- `social_insurance.participant_category`: the armed forces' own categories (Law 41/2024
  art. 2(1)(đ)–(e)).

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Equal to db.enums at this revision.
_NOTES = ("BACK_PAYMENT", "MATERNITY", "PAID_LATE")
_PAYERS = (
    "EMPLOYER",
    "EMPLOYEE",
    "SOCIAL_INSURANCE_FUND",
    "UNEMPLOYMENT_FUND",
    "STATE_BUDGET",
    "HOUSEHOLD",
    "SELF",
)
_CONTRIBUTIONS = "health_insurance_contribution"
_CATEGORIES = (
    "EMPLOYEE",
    "CIVIL_SERVANT",
    "MANAGER",
    "FOREIGN_WORKER",
    "VOLUNTARY",
    "PENSIONER",
    "NOT_PARTICIPATING",
)
_ARMED_FORCES = (
    "ARMED_FORCES_OFFICER",
    "PROFESSIONAL_SOLDIER",
    "POLICE_OFFICER",
    "CIPHER_STAFF",
    "CONSCRIPT",
)


def _categories(values: Sequence[str]) -> None:
    if values == _CATEGORIES:  # downgrading: the armed forces were recorded as civil servants
        op.execute(
            "UPDATE social_insurance SET participant_category = 'CIVIL_SERVANT'"
            " WHERE participant_category IN (" + ", ".join(repr(v) for v in _ARMED_FORCES) + ")"
        )
    op.drop_constraint(op.f("ck_social_insurance_category"), "social_insurance", type_="check")
    op.create_check_constraint(
        op.f("ck_social_insurance_category"),
        "social_insurance",
        "participant_category IN (" + ", ".join(repr(v) for v in values) + ")",
    )


def _audit_triggers(table: str, key: str, person: str) -> list[str]:
    """Migration 0006's `audit_triggers`, copied: a migration never imports another."""
    return [
        f"CREATE TRIGGER {table}_change_{event.lower()} AFTER {event} ON {table}"
        f" REFERENCING {'NEW' if event == 'INSERT' else 'OLD'} TABLE AS"
        f" {'new_rows' if event == 'INSERT' else 'old_rows'}"
        + (" NEW TABLE AS new_rows" if event == "UPDATE" else "")
        + f" FOR EACH STATEMENT EXECUTE FUNCTION record_change('{key}', '{person}')"
        for event in ("INSERT", "UPDATE", "DELETE")
    ]


_PERIOD_CHECKS = {
    "state_support_voluntary": "(state_support_pct IS NULL) = (state_support_months IS NULL)"
    " AND (state_support_pct IS NULL OR scheme = 'VOLUNTARY_SOCIAL')",
    "state_support_pct_range": "state_support_pct BETWEEN 1 AND 100",
    "state_support_months_range": "state_support_months BETWEEN 1 AND 120",
}
_BENEFIT_CHECKS = {
    "pension_rate": "pension_rate_pct IS NULL OR (regime = 'RETIREMENT'"
    " AND pension_rate_pct > 0 AND pension_rate_pct <= 75)",
    "average_salary_positive": "average_salary_vnd > 0",
    "incapacity": "incapacity_pct IS NULL OR (regime = 'OCCUPATIONAL_ACCIDENT'"
    " AND incapacity_pct BETWEEN 5 AND 100)",
    "sickness_days": "sickness_days IS NULL OR (regime = 'SICKNESS' AND sickness_days > 0)",
}


def _array(values: Sequence[str]) -> str:
    return f"ARRAY[{', '.join(repr(v) for v in values)}]::text[]"


def upgrade() -> None:
    _categories((*_CATEGORIES, *_ARMED_FORCES))
    op.add_column("person", sa.Column("died_on", sa.Date(), nullable=True))
    op.create_check_constraint(
        op.f("ck_person_died_after_birth"), "person", "died_on >= birth_date"
    )
    op.add_column("social_insurance", sa.Column("issuing_office_code", sa.Text(), nullable=True))
    op.add_column("social_insurance", sa.Column("issued_on", sa.Date(), nullable=True))
    op.create_foreign_key(
        op.f("fk_social_insurance_issuing_office_code_social_insurance_office"),
        "social_insurance",
        "social_insurance_office",
        ["issuing_office_code"],
        ["code"],
    )
    op.add_column(
        "contribution_period",
        sa.Column("arduous", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column(
        "contribution_period",
        sa.Column(
            "notes", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False
        ),
    )
    op.create_check_constraint(
        op.f("ck_contribution_period_notes"), "contribution_period", f"notes <@ {_array(_NOTES)}"
    )
    for column in ("state_support_pct", "state_support_months"):
        op.add_column("contribution_period", sa.Column(column, sa.SmallInteger(), nullable=True))
    for name, check in _PERIOD_CHECKS.items():
        op.create_check_constraint(
            op.f(f"ck_contribution_period_{name}"), "contribution_period", check
        )

    op.add_column("benefit", sa.Column("pension_rate_pct", sa.Numeric(4, 2), nullable=True))
    op.add_column("benefit", sa.Column("average_salary_vnd", sa.BigInteger(), nullable=True))
    op.add_column("benefit", sa.Column("incapacity_pct", sa.SmallInteger(), nullable=True))
    op.add_column("benefit", sa.Column("sickness_days", sa.SmallInteger(), nullable=True))
    op.add_column("benefit", sa.Column("paying_office_code", sa.Text(), nullable=True))
    op.create_foreign_key(
        op.f("fk_benefit_paying_office_code_social_insurance_office"),
        "benefit",
        "social_insurance_office",
        ["paying_office_code"],
        ["code"],
    )
    for name, check in _BENEFIT_CHECKS.items():
        op.create_check_constraint(op.f(f"ck_benefit_{name}"), "benefit", check)

    op.create_table(
        _CONTRIBUTIONS,
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("payer", sa.Text(), nullable=False),
        sa.Column("from_month", sa.Date(), nullable=False),
        sa.Column("to_month", sa.Date(), nullable=True),
        sa.Column("monthly_amount_vnd", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "payer IN (" + ", ".join(repr(p) for p in _PAYERS) + ")",
            name=op.f(f"ck_{_CONTRIBUTIONS}_payer"),
        ),
        sa.CheckConstraint(
            "extract(day FROM from_month) = 1",
            name=op.f(f"ck_{_CONTRIBUTIONS}_from_month_first_day"),
        ),
        sa.CheckConstraint(
            "extract(day FROM to_month) = 1", name=op.f(f"ck_{_CONTRIBUTIONS}_to_month_first_day")
        ),
        sa.CheckConstraint(
            "to_month IS NULL OR to_month >= from_month",
            name=op.f(f"ck_{_CONTRIBUTIONS}_month_order"),
        ),
        sa.CheckConstraint(
            "monthly_amount_vnd >= 0", name=op.f(f"ck_{_CONTRIBUTIONS}_amount_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f(f"fk_{_CONTRIBUTIONS}_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "id", name=op.f(f"pk_{_CONTRIBUTIONS}")),
    )
    op.create_index(
        f"ix_{_CONTRIBUTIONS}_person_id_from_month",
        _CONTRIBUTIONS,
        ["person_id", "from_month", "id"],
        unique=False,
    )
    for statement in _audit_triggers(_CONTRIBUTIONS, "id", "person_id"):
        op.execute(statement)


def downgrade() -> None:
    _categories(_CATEGORIES)
    for event in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER {_CONTRIBUTIONS}_change_{event} ON {_CONTRIBUTIONS}")
    op.drop_index(f"ix_{_CONTRIBUTIONS}_person_id_from_month", table_name=_CONTRIBUTIONS)
    op.drop_table(_CONTRIBUTIONS)
    for name in _BENEFIT_CHECKS:
        op.drop_constraint(op.f(f"ck_benefit_{name}"), "benefit", type_="check")
    op.drop_constraint(
        op.f("fk_benefit_paying_office_code_social_insurance_office"),
        "benefit",
        type_="foreignkey",
    )
    for column in (
        "paying_office_code",
        "sickness_days",
        "incapacity_pct",
        "average_salary_vnd",
        "pension_rate_pct",
    ):
        op.drop_column("benefit", column)
    for name in _PERIOD_CHECKS:
        op.drop_constraint(
            op.f(f"ck_contribution_period_{name}"), "contribution_period", type_="check"
        )
    op.drop_column("contribution_period", "state_support_months")
    op.drop_column("contribution_period", "state_support_pct")
    op.drop_constraint(op.f("ck_contribution_period_notes"), "contribution_period", type_="check")
    op.drop_column("contribution_period", "notes")
    op.drop_column("contribution_period", "arduous")
    op.drop_constraint(
        op.f("fk_social_insurance_issuing_office_code_social_insurance_office"),
        "social_insurance",
        type_="foreignkey",
    )
    op.drop_column("social_insurance", "issued_on")
    op.drop_column("social_insurance", "issuing_office_code")
    op.drop_constraint(op.f("ck_person_died_after_birth"), "person", type_="check")
    op.drop_column("person", "died_on")
