"""The access log refuses TRUNCATE too

0003's trigger refuses UPDATE and DELETE row by row; TRUNCATE fires no row trigger, so a
statement-level trigger refuses it (also when it would cascade from `TRUNCATE person CASCADE`).
The runtime role holds no TRUNCATE privilege anyway (db/roles.py); this stops the owner's
maintenance scripts as well: whoever really means to empty the log disables the trigger first,
which only the owner can.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The same function as the row trigger: it raises naming TG_OP, here TRUNCATE.
    op.execute(
        "CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log"
        " FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER access_log_no_truncate ON access_log")
