"""The database agrees with the identifier validators (db.identifiers); BHTN needs BHXH

- Immutable SQL functions that decide what the validators decide, used by CHECK constraints:
  `is_legacy_province_code`, `is_valid_tax_code` (check digit, `-NNN` branch form),
  `is_valid_personal_id` (12 digits, a legacy province code, a century/sex digit of someone
  born 1900–2099) and `personal_id_birth_year`.
- CHECKs: employer.tax_code is a valid tax code; social_insurance.tax_code (mã số thuế cá nhân)
  a valid tax code without a branch, or a personal ID (the ID is the tax code from 1/7/2025,
  Law 56/2024/QH15 amending the Law on Tax Administration; Circular 86/2024/TT-BTC art. 5);
  person / relative identification_number and consent.granted_by are valid personal IDs.
- A birth year in the future cannot be a CHECK (it depends on today): a BEFORE trigger per
  table refuses it, raising check_violation named like a constraint.
- A card's benefit level agrees with its category: the category foreign key becomes
  (category_code, benefit_level) → bhyt_category (code, benefit_level).

- BHTN needs BHXH (Law on Employment 38/2013 art. 43, 49; DOMAIN.md): every month of an
  UNEMPLOYMENT contribution row is a month of some COMPULSORY_SOCIAL row of the same person
  (settled or not: the months were paid). A constraint trigger, deferrable and initially
  deferred, so one transaction may write both; it checks the person's rows as they are at
  commit, after an UNEMPLOYMENT row is written or a COMPULSORY_SOCIAL row is changed or deleted.
  An open-ended BHTN row needs an open-ended compulsory row.
- No contribution row starts after the current month (a BEFORE trigger, the day being today's in
  Vietnam; revision 0018 names that day `vietnam_today()`).

Rows already stored are validated when each constraint is added; the seed and the factories make
only valid identifiers, so nothing is rewritten. A database holding invalid identifiers fails the
upgrade, naming the constraint, rather than having personal data altered by a migration.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# db.reference_data.LEGACY_PROVINCE_CODES at this revision: the 63 pre-2025 provinces, a list
# that no longer changes (tests/db/test_constraints.py compares it with the table).
_LEGACY_PROVINCE_CODES = (
    "01,02,04,06,08,10,11,12,14,15,17,19,20,22,24,25,26,27,30,31,33,34,35,36,37,38,40,42,44,45,46,"
    "48,49,51,52,54,56,58,60,62,64,66,67,68,70,72,74,75,77,79,80,82,83,84,86,87,89,91,92,93,94,"
    "95,96"
)

# CASE, not AND: SQL does not promise to evaluate AND's operands in order, and the casts fail
# on anything that is not digits.
_FUNCTIONS = f"""
CREATE FUNCTION is_legacy_province_code(code text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN code = ANY ('{{{_LEGACY_PROVINCE_CODES}}}'::text[]);

-- db.identifiers.validate_tax_code: 10 digits [+ "-" and a branch 001–999], sequence (digits
-- 3–9) not 0000000, check digit 10 - (Σ weight·digit mod 11), where 10 matches no digit.
CREATE FUNCTION is_valid_tax_code(code text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN code ~ '^[0-9]{{10}}(-[0-9]{{3}})?$'
    AND substr(code, 11) <> '-000' AND substr(code, 3, 7) <> '0000000'
THEN 10 - (31 * substr(code, 1, 1)::int + 29 * substr(code, 2, 1)::int
    + 23 * substr(code, 3, 1)::int + 19 * substr(code, 4, 1)::int
    + 17 * substr(code, 5, 1)::int + 13 * substr(code, 6, 1)::int
    + 7 * substr(code, 7, 1)::int + 5 * substr(code, 8, 1)::int
    + 3 * substr(code, 9, 1)::int) % 11 = substr(code, 10, 1)::int
ELSE false END;

-- db.identifiers.validate_personal_id without the record and without today: PPP G YY RRRRRR,
-- PPP = "0" + a legacy province code, G 0–3 (born 1900–2099; 4–9 is no living person).
CREATE FUNCTION is_valid_personal_id(id text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN id ~ '^0[0-9]{{2}}[0-3][0-9]{{8}}$' AND is_legacy_province_code(substr(id, 2, 2));

-- The birth year digits 4–6 encode (G = century and sex, YY); NULL unless 12 digits.
CREATE FUNCTION personal_id_birth_year(id text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN id ~ '^[0-9]{{12}}$'
    THEN 1900 + (substr(id, 4, 1)::int / 2) * 100 + substr(id, 5, 2)::int END;

-- Refuses the row: for checks that depend on today, which a CHECK must not. The trigger's WHEN
-- decides; arguments are the constraint name the error carries and its message.
CREATE FUNCTION refuse_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[1] USING ERRCODE = 'check_violation', CONSTRAINT = TG_ARGV[0];
END
$$;
"""

# The person's BHTN rows whose months some COMPULSORY_SOCIAL row of theirs does not cover, as
# month ranges [from, to + 1 month); a NULL to_month is open-ended.
_BHTN_NEEDS_BHXH = """
CREATE FUNCTION bhtn_needs_bhxh() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    who bigint := CASE TG_OP WHEN 'DELETE' THEN OLD.person_id ELSE NEW.person_id END;
BEGIN
    IF EXISTS (
        WITH bhxh AS (
            SELECT coalesce(
                range_agg(daterange(from_month, (to_month + interval '1 month')::date)),
                '{}'::datemultirange
            ) AS months
            FROM contribution_period
            WHERE person_id = who AND scheme = 'COMPULSORY_SOCIAL'
        )
        SELECT FROM contribution_period AS u, bhxh
        WHERE u.person_id = who AND u.scheme = 'UNEMPLOYMENT'
          AND NOT bhxh.months @> daterange(u.from_month, (u.to_month + interval '1 month')::date)
    ) THEN
        RAISE EXCEPTION 'an UNEMPLOYMENT row has months without COMPULSORY_SOCIAL contributions'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'contribution_period_bhtn_needs_bhxh';
    END IF;
    RETURN NULL;
END
$$;
"""

# The same rule over every row at once: for rows written while the triggers were off (stored
# before this revision; `bhxh seed` loads with them disabled and calls this after).
_BHTN_ROWS_WITHOUT_BHXH = """
CREATE FUNCTION bhtn_rows_without_bhxh() RETURNS SETOF bigint LANGUAGE sql STABLE AS $$
    -- Each person's BHXH months aggregated once, then joined (not a lateral per BHTN row).
    WITH bhxh AS (
        SELECT person_id,
               range_agg(daterange(from_month, (to_month + interval '1 month')::date)) AS months
        FROM contribution_period
        WHERE scheme = 'COMPULSORY_SOCIAL'
        GROUP BY person_id
    )
    SELECT u.id
    FROM contribution_period AS u LEFT JOIN bhxh ON bhxh.person_id = u.person_id
    WHERE u.scheme = 'UNEMPLOYMENT' AND NOT coalesce(
        bhxh.months @> daterange(u.from_month, (u.to_month + interval '1 month')::date), false
    )
$$;
"""

_BHTN_TRIGGERS = """
CREATE CONSTRAINT TRIGGER contribution_period_bhtn_needs_bhxh
AFTER INSERT OR UPDATE OF person_id, scheme, from_month, to_month ON contribution_period
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.scheme = 'UNEMPLOYMENT')
EXECUTE FUNCTION bhtn_needs_bhxh();

CREATE CONSTRAINT TRIGGER contribution_period_bhxh_under_bhtn
AFTER UPDATE OF person_id, scheme, from_month, to_month OR DELETE ON contribution_period
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.scheme = 'COMPULSORY_SOCIAL')
EXECUTE FUNCTION bhtn_needs_bhxh();

-- Voluntary months may be paid ahead (Law 41/2024 art. 36: a lump sum for up to five future
-- years): those rows are paid, not yet counted, and the totals show them apart.
CREATE TRIGGER contribution_period_not_future
BEFORE INSERT OR UPDATE OF from_month, scheme ON contribution_period
FOR EACH ROW WHEN (
    NEW.from_month > date_trunc('month', CAST(timezone('Asia/Ho_Chi_Minh', now()) AS date)) AND NEW.scheme <> 'VOLUNTARY_SOCIAL'
)
EXECUTE FUNCTION refuse_row(
    'contribution_period_not_future', 'a contribution row starts after the current month'
);
"""

_DROP_BHTN_TRIGGERS = """
DROP TRIGGER contribution_period_not_future ON contribution_period;
DROP TRIGGER contribution_period_bhxh_under_bhtn ON contribution_period;
DROP TRIGGER contribution_period_bhtn_needs_bhxh ON contribution_period;
DROP FUNCTION bhtn_rows_without_bhxh();
DROP FUNCTION bhtn_needs_bhxh();
"""

_DROP_FUNCTIONS = """
DROP FUNCTION refuse_row();
DROP FUNCTION personal_id_birth_year(text);
DROP FUNCTION is_valid_personal_id(text);
DROP FUNCTION is_valid_tax_code(text);
DROP FUNCTION is_legacy_province_code(text);
"""

# (table, constraint suffix, expression)
_CHECKS = (
    ("employer", "tax_code_valid", "is_valid_tax_code(tax_code)"),
    (
        "social_insurance",
        "tax_code_valid",
        "(is_valid_tax_code(tax_code) AND length(tax_code) = 10) OR is_valid_personal_id(tax_code)",
    ),
    ("person", "identification_number_valid", "is_valid_personal_id(identification_number)"),
    ("relative", "identification_number_valid", "is_valid_personal_id(identification_number)"),
    ("consent", "granted_by_valid", "is_valid_personal_id(granted_by)"),
)

# (table, column) holding a personal ID whose birth year must not be in the future.
_PERSONAL_IDS = (
    ("person", "identification_number"),
    ("relative", "identification_number"),
    ("consent", "granted_by"),
    ("social_insurance", "tax_code"),
)


_CHECK_STORED_ROWS = """
DO $$
DECLARE
    offending bigint;
BEGIN
    SELECT id INTO offending FROM contribution_period
    WHERE from_month > date_trunc('month', CAST(timezone('Asia/Ho_Chi_Minh', now()) AS date)) AND scheme <> 'VOLUNTARY_SOCIAL'
    ORDER BY id LIMIT 1;
    IF offending IS NOT NULL THEN
        RAISE EXCEPTION 'contribution_period % starts after the current month', offending
            USING ERRCODE = 'check_violation', CONSTRAINT = 'contribution_period_not_future';
    END IF;
    SELECT min(id) INTO offending FROM bhtn_rows_without_bhxh() AS id;
    IF offending IS NOT NULL THEN
        RAISE EXCEPTION 'contribution_period % (UNEMPLOYMENT) has months without BHXH', offending
            USING ERRCODE = 'check_violation', CONSTRAINT = 'contribution_period_bhtn_needs_bhxh';
    END IF;
END
$$
"""


def _born_in_future(table: str, column: str) -> str:
    return f"{table}_{column}_not_born_in_future"


def upgrade() -> None:
    op.execute(_FUNCTIONS)
    for table, name, expression in _CHECKS:
        op.create_check_constraint(op.f(f"ck_{table}_{name}"), table, expression)
    for table, column in _PERSONAL_IDS:
        name = _born_in_future(table, column)
        op.execute(
            f"CREATE TRIGGER {name} BEFORE INSERT OR UPDATE OF {column} ON {table}"
            f" FOR EACH ROW WHEN (personal_id_birth_year(NEW.{column})"
            " > extract(year FROM CAST(timezone('Asia/Ho_Chi_Minh', now()) AS date)))"
            f" EXECUTE FUNCTION refuse_row('{name}', 'personal ID: birth year is in the future')"
        )

    op.create_unique_constraint(
        op.f("uq_bhyt_category_code_benefit_level"), "bhyt_category", ["code", "benefit_level"]
    )
    op.drop_constraint(
        "fk_health_insurance_card_category_code_bhyt_category",
        "health_insurance_card",
        type_="foreignkey",
    )
    op.create_foreign_key(
        op.f("fk_health_insurance_card_category_code_bhyt_category"),
        "health_insurance_card",
        "bhyt_category",
        ["category_code", "benefit_level"],
        ["code", "benefit_level"],
    )

    op.execute(_BHTN_NEEDS_BHXH)
    op.execute(_BHTN_ROWS_WITHOUT_BHXH)
    op.execute(_BHTN_TRIGGERS)
    # Rows already stored: the triggers judge only rows written from now on, so check these here
    # (an error names the first offending row's id, not its person data).
    op.execute(_CHECK_STORED_ROWS)


def downgrade() -> None:
    op.execute(_DROP_BHTN_TRIGGERS)
    op.drop_constraint(
        "fk_health_insurance_card_category_code_bhyt_category",
        "health_insurance_card",
        type_="foreignkey",
    )
    op.create_foreign_key(
        op.f("fk_health_insurance_card_category_code_bhyt_category"),
        "health_insurance_card",
        "bhyt_category",
        ["category_code"],
        ["code"],
    )
    op.drop_constraint(op.f("uq_bhyt_category_code_benefit_level"), "bhyt_category", type_="unique")
    for table, column in _PERSONAL_IDS:
        op.execute(f"DROP TRIGGER {_born_in_future(table, column)} ON {table}")
    for table, name, _ in reversed(_CHECKS):
        op.drop_constraint(op.f(f"ck_{table}_{name}"), table, type_="check")
    op.execute(_DROP_FUNCTIONS)
