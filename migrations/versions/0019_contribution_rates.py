"""Contribution rates, the base salary and the rural poverty line by month, in the database

A contribution period's amounts (employer's, employee's, the state's support) were computed in
Python per row of a response (db.contribution_shares). Reads now have PostgreSQL compute them in
the statement that reads the rows (db.queries.period_values), so the timelines they follow
live here, as the one definition reads use.

They are IMMUTABLE `LANGUAGE sql` functions of one CASE over the month, not tables: the planner
inlines them into the statement, ~0.04 µs a look-up where a scalar subquery on a 20-row table
cost ~0.7 µs (measured over 100 k rows), and a page has four look-ups per row. A timeline
that changes (a new base salary decree) is a new revision replacing its function.

`base_salary_vnd` must equal db.rules.BASE_SALARY, which Python still uses (benefits, seeds):
tests/db/test_contribution_rates.py compares them month by month.

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Not STRICT: a STRICT function is inlined only when its body is provably strict, and these
# bodies (CASE) are not; NULL arguments fall through every WHEN to NULL anyway.
_FUNCTIONS = """
CREATE FUNCTION base_salary_vnd(month date) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
-- Lương cơ sở (base salary) in force in the month, as db.rules.BASE_SALARY has it: Decrees
-- 31/2012, 66/2013, 47/2016, 47/2017, 72/2018, 38/2019, 24/2023, 73/2024, 161/2026 (DOMAIN.md
-- §4) and the levels before them. NULL before 1/1993: a coefficient row then has no amount.
SELECT CASE
    WHEN month >= DATE '2026-07-01' THEN 2530000  -- Decree 161/2026
    WHEN month >= DATE '2024-07-01' THEN 2340000  -- Decree 73/2024
    WHEN month >= DATE '2023-07-01' THEN 1800000  -- Decree 24/2023
    WHEN month >= DATE '2019-07-01' THEN 1490000  -- Decree 38/2019
    WHEN month >= DATE '2018-07-01' THEN 1390000  -- Decree 72/2018
    WHEN month >= DATE '2017-07-01' THEN 1300000  -- Decree 47/2017
    WHEN month >= DATE '2016-05-01' THEN 1210000  -- Decree 47/2016
    WHEN month >= DATE '2013-07-01' THEN 1150000  -- Decree 66/2013
    WHEN month >= DATE '2012-05-01' THEN 1050000  -- Decree 31/2012
    WHEN month >= DATE '2011-05-01' THEN 830000
    WHEN month >= DATE '2010-05-01' THEN 730000
    WHEN month >= DATE '2009-05-01' THEN 650000
    WHEN month >= DATE '2008-01-01' THEN 540000
    WHEN month >= DATE '2006-10-01' THEN 450000
    WHEN month >= DATE '2005-10-01' THEN 350000
    WHEN month >= DATE '2003-01-01' THEN 290000
    WHEN month >= DATE '2001-01-01' THEN 210000
    WHEN month >= DATE '2000-01-01' THEN 180000
    WHEN month >= DATE '1997-01-01' THEN 144000
    WHEN month >= DATE '1993-01-01' THEN 120000
END
$$;

CREATE FUNCTION employer_rate_pct(scheme text, category text, month date) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
-- The employer's (for the armed forces, their unit's) rate of `scheme` in `month`, in percent
-- of the salary, for a row contributed under `category` (NULL: an ordinary compulsory member
-- or the voluntary contributor). NULL where the scheme does not cover the category then.
SELECT CASE scheme
    -- Compulsory BHXH (retirement/survivorship + sickness/maternity): 15 under Decree 12/CP
    -- (1995) and Law 71/2006 art. 91–92 (3 sickness, 1 accident, 11 retirement), +1 every two
    -- years from 2010 (art. 91(1), 92(1)) to 18 in 2014, which Law 58/2014 art. 85–86 kept; 17
    -- from 6/2017, the accident fund its own row (Decree 44/2017/NĐ-CP), as Law 41/2024 art.
    -- 33–34 still has it. Officers, soldiers, police and cipher staff pay so too, on their rank
    -- salary (Law 58/2014 art. 85–86; Law 41/2024 art. 33–34).
    WHEN 'COMPULSORY_SOCIAL' THEN CASE
        -- Conscripts and cadets joined on 1/1/2016 (Law 58/2014 art. 2(1)(e), 124): their unit
        -- pays 22 % of the base salary to retirement and survivorship (Law 58/2014 art.
        -- 86(3)(b); the reading taken of Law 41/2024 art. 33–34), no sickness or maternity fund.
        WHEN category = 'CONSCRIPT'
            THEN CASE WHEN month >= DATE '2016-01-01' THEN 22::numeric END
        WHEN month >= DATE '2017-06-01' THEN 17::numeric
        WHEN month >= DATE '2014-01-01' THEN 18::numeric
        WHEN month >= DATE '2012-01-01' THEN 17::numeric
        WHEN month >= DATE '2010-01-01' THEN 16::numeric
        ELSE 15::numeric
    END
    -- TNLĐ-BNN, employer only: 1 % from 7/2016 (Decree 37/2016/NĐ-CP art. 44), 0.5 % from
    -- 6/2017 (Decree 44/2017/NĐ-CP; Decree 58/2020/NĐ-CP art. 4 keeps it, naming the armed
    -- forces), 0 from 7/2021 to 6/2022 (Resolution 68/NQ-CP, read as covering the armed forces'
    -- units). Before 7/2016 the employer's 1 % was inside the compulsory rate.
    WHEN 'OCCUPATIONAL_ACCIDENT' THEN CASE
        -- A conscript's: 1 % of the base salary from 1/2016 (Law 58/2014 art. 86(3)(a)).
        WHEN category = 'CONSCRIPT' AND month < DATE '2016-07-01'
            THEN CASE WHEN month >= DATE '2016-01-01' THEN 1::numeric END
        WHEN month >= DATE '2022-07-01' THEN 0.5
        WHEN month >= DATE '2021-07-01' THEN 0::numeric
        WHEN month >= DATE '2017-06-01' THEN 0.5
        WHEN month >= DATE '2016-07-01' THEN 1::numeric
        ELSE 0::numeric
    END
    -- BHTN: 1 % (Law 71/2006 art. 102 from 2009; Law on Employment 38/2013 art. 57), 0 from
    -- 10/2021 to 9/2022 (Resolution 116/NQ-CP). The state's share is not the book's.
    WHEN 'UNEMPLOYMENT' THEN CASE
        -- Not the armed forces': the Law on Employment covers people under labour or work
        -- contracts (Law 38/2013 art. 43; Law 74/2025 keeps it). Constraint
        -- armed_forces_schemes refuses such rows; the rate says so too.
        WHEN category IN ('ARMED_FORCES_OFFICER', 'PROFESSIONAL_SOLDIER', 'POLICE_OFFICER',
                          'CIPHER_STAFF', 'CONSCRIPT') THEN NULL
        WHEN month >= DATE '2022-10-01' THEN 1::numeric
        WHEN month >= DATE '2021-10-01' THEN 0::numeric
        ELSE 1::numeric
    END
    -- Voluntary BHXH is the contributor's own (Law 58/2014 art. 87; Law 41/2024 art. 36); the
    -- armed forces are compulsory members, never voluntary contributors.
    WHEN 'VOLUNTARY_SOCIAL' THEN CASE
        WHEN category IN ('ARMED_FORCES_OFFICER', 'PROFESSIONAL_SOLDIER', 'POLICE_OFFICER',
                          'CIPHER_STAFF', 'CONSCRIPT') THEN NULL
        ELSE 0::numeric
    END
END
$$;

CREATE FUNCTION employee_rate_pct(scheme text, category text, month date) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
-- The employee's (the voluntary contributor's) rate, as employer_rate_pct's: NULL where that
-- is NULL.
SELECT CASE scheme
    -- Compulsory BHXH: 5 under Decree 12/CP (1995) and Law 71/2006 art. 91–92, +1 every two
    -- years from 2010 (art. 91(1), 92(1)) to 8 in 2014, which Law 58/2014 art. 85–86 kept and
    -- Law 41/2024 art. 33–34 still has. Nothing from a conscript (Law 58/2014 art. 86(3)),
    -- covered from 1/2016.
    WHEN 'COMPULSORY_SOCIAL' THEN CASE
        WHEN category = 'CONSCRIPT'
            THEN CASE WHEN month >= DATE '2016-01-01' THEN 0::numeric END
        WHEN month >= DATE '2014-01-01' THEN 8::numeric
        WHEN month >= DATE '2012-01-01' THEN 7::numeric
        WHEN month >= DATE '2010-01-01' THEN 6::numeric
        ELSE 5::numeric
    END
    -- TNLĐ-BNN is the employer's only (Decree 37/2016/NĐ-CP art. 44, Decree 44/2017/NĐ-CP,
    -- Decree 58/2020/NĐ-CP art. 4); a conscript's is covered from 1/2016.
    WHEN 'OCCUPATIONAL_ACCIDENT' THEN CASE
        WHEN category = 'CONSCRIPT' AND month < DATE '2016-01-01' THEN NULL
        ELSE 0::numeric
    END
    -- BHTN: 1 % (Law 71/2006 art. 102 from 2009; Law on Employment 38/2013 art. 57); not the
    -- armed forces' (Law 38/2013 art. 43).
    WHEN 'UNEMPLOYMENT' THEN CASE
        WHEN category IN ('ARMED_FORCES_OFFICER', 'PROFESSIONAL_SOLDIER', 'POLICE_OFFICER',
                          'CIPHER_STAFF', 'CONSCRIPT') THEN NULL
        ELSE 1::numeric
    END
    -- Voluntary BHXH: 16 % from 2008, +2 every two years to 22 % in 2014 (Law 71/2006 art.
    -- 100), 22 % since (Law 58/2014 art. 87; Law 41/2024 art. 36); not the armed forces'.
    WHEN 'VOLUNTARY_SOCIAL' THEN CASE
        WHEN category IN ('ARMED_FORCES_OFFICER', 'PROFESSIONAL_SOLDIER', 'POLICE_OFFICER',
                          'CIPHER_STAFF', 'CONSCRIPT') THEN NULL
        WHEN month >= DATE '2014-01-01' THEN 22::numeric
        WHEN month >= DATE '2012-01-01' THEN 20::numeric
        WHEN month >= DATE '2010-01-01' THEN 18::numeric
        ELSE 16::numeric
    END
END
$$;

CREATE FUNCTION state_support_basis_vnd(month date) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
-- What the state's support of a voluntary contribution is a percent of: 22 % (the voluntary
-- rate) of the rural poverty line (chuẩn hộ nghèo khu vực nông thôn), from 1/1/2018 (Decree
-- 134/2015/NĐ-CP art. 14); NULL before. The line: 700,000 for 2016–2021 (Decision
-- 59/2015/QĐ-TTg), 1,500,000 from 2022 (Decree 07/2021/NĐ-CP).
SELECT CASE
    WHEN month >= DATE '2022-01-01' THEN 1500000 * 0.22
    WHEN month >= DATE '2018-01-01' THEN 700000 * 0.22
END
$$;
"""


def upgrade() -> None:
    op.execute(_FUNCTIONS)


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION state_support_basis_vnd(date);"
        " DROP FUNCTION employee_rate_pct(text, text, date);"
        " DROP FUNCTION employer_rate_pct(text, text, date);"
        " DROP FUNCTION base_salary_vnd(date)"
    )
