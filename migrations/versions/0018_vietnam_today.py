"""The database's "today" is Vietnam's, as the application's is (db.bhyt_rules.today)

Revision 0011's checks compared with `current_date`, the day in the session's TimeZone (UTC on
the embedded server and most hosts), while the application dates and seeds by Vietnam's day
(UTC+7). From 17:00 UTC on the last day of a month the two disagree on the month: a contribution
for Vietnam's new month, declared or seeded, was refused as "after the current month". Revision
0011 now reads Vietnam's day itself (for databases made from now on); this one gives the day one
definition, `vietnam_today()`, used by those checks and by the statements that ask for today, on
every database.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column) of revision 0011's birth-year triggers.
_PERSONAL_IDS = (
    ("person", "identification_number"),
    ("relative", "identification_number"),
    ("consent", "granted_by"),
    ("social_insurance", "tax_code"),
)


def _triggers(today: str) -> str:
    statements = [
        "DROP TRIGGER contribution_period_not_future ON contribution_period;",
        f"""CREATE TRIGGER contribution_period_not_future
BEFORE INSERT OR UPDATE OF from_month, scheme ON contribution_period
FOR EACH ROW WHEN (
    NEW.from_month > date_trunc('month', {today}) AND NEW.scheme <> 'VOLUNTARY_SOCIAL'
)
EXECUTE FUNCTION refuse_row(
    'contribution_period_not_future', 'a contribution row starts after the current month'
);""",
    ]
    for table, column in _PERSONAL_IDS:
        name = f"{table}_{column}_not_born_in_future"
        statements += [
            f"DROP TRIGGER {name} ON {table};",
            f"CREATE TRIGGER {name} BEFORE INSERT OR UPDATE OF {column} ON {table}"
            f" FOR EACH ROW WHEN (personal_id_birth_year(NEW.{column})"
            f" > extract(year FROM {today}))"
            f" EXECUTE FUNCTION refuse_row('{name}', 'personal ID: birth year is in the future');",
        ]
    return "\n".join(statements)


def upgrade() -> None:
    op.execute(
        "CREATE FUNCTION vietnam_today() RETURNS date LANGUAGE sql STABLE PARALLEL SAFE"
        " AS $$ SELECT CAST(timezone('Asia/Ho_Chi_Minh', now()) AS date) $$"
    )
    op.execute(_triggers("vietnam_today()"))


def downgrade() -> None:
    op.execute(_triggers("CAST(timezone('Asia/Ho_Chi_Minh', now()) AS date)"))  # as 0011 has it
    op.execute("DROP FUNCTION vietnam_today()")
