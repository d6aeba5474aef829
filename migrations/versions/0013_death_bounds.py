"""Nothing is contributed or carded after death

- A person's contribution rows end by the month of their death (person.died_on): no row runs
  on past that month, open-ended rows included. The month of death itself may be contributed
  for: contributions are monthly and the law does not split the month.
- A person's health insurance cards start by the day of their death; a card may run past it (the
  card ends at death when read, db.queries.health_insurance).

Constraint triggers, deferrable and initially deferred like migration 0011's, so that one
transaction may register a death and close the rows it ends, in either order. They check the
person's rows as they are at commit, after a contribution row or a card is written or the date
of death is set; for a living person that is one primary-key probe. The same rules over every
row at once (`contribution_rows_after_death`, `cards_after_death`) serve `bhxh seed`, which
loads with the triggers off, and this upgrade, which checks the rows already stored.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CONTRIBUTIONS = "contribution_period_not_after_death"
_CARDS = "health_insurance_card_not_after_death"

_FUNCTIONS = f"""
CREATE FUNCTION death_bounds() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    who bigint;
    died date;
BEGIN
    IF TG_TABLE_NAME = 'person' THEN
        who := NEW.id;
    ELSE
        who := NEW.person_id;
    END IF;
    SELECT died_on INTO died FROM person WHERE id = who;
    IF died IS NULL THEN
        RETURN NULL;
    END IF;
    IF EXISTS (
        SELECT FROM contribution_period
        WHERE person_id = who AND coalesce(to_month, 'infinity') > date_trunc('month', died)
    ) THEN
        RAISE EXCEPTION 'a contribution row has months after the month of its person''s death'
            USING ERRCODE = 'check_violation', CONSTRAINT = '{_CONTRIBUTIONS}';
    END IF;
    IF EXISTS (SELECT FROM health_insurance_card WHERE person_id = who AND valid_from > died) THEN
        RAISE EXCEPTION 'a health insurance card starts after its holder''s death'
            USING ERRCODE = 'check_violation', CONSTRAINT = '{_CARDS}';
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION contribution_rows_after_death() RETURNS SETOF bigint LANGUAGE sql STABLE AS $$
    SELECT c.id FROM contribution_period AS c JOIN person AS p ON p.id = c.person_id
    WHERE coalesce(c.to_month, 'infinity') > date_trunc('month', p.died_on)
$$;

CREATE FUNCTION cards_after_death() RETURNS SETOF bigint LANGUAGE sql STABLE AS $$
    SELECT c.id FROM health_insurance_card AS c JOIN person AS p ON p.id = c.person_id
    WHERE c.valid_from > p.died_on
$$;
"""

_TRIGGERS = f"""
CREATE CONSTRAINT TRIGGER {_CONTRIBUTIONS}
AFTER INSERT OR UPDATE OF person_id, from_month, to_month ON contribution_period
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
EXECUTE FUNCTION death_bounds();

CREATE CONSTRAINT TRIGGER {_CARDS}
AFTER INSERT OR UPDATE OF person_id, valid_from ON health_insurance_card
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
EXECUTE FUNCTION death_bounds();

CREATE CONSTRAINT TRIGGER person_died_on_bounds
AFTER INSERT OR UPDATE OF died_on ON person
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.died_on IS NOT NULL)
EXECUTE FUNCTION death_bounds();
"""

# Rows already stored (an error names the first offending row's id, not its person data).
_CHECK_STORED_ROWS = f"""
DO $$
DECLARE
    offending bigint;
BEGIN
    SELECT min(id) INTO offending FROM contribution_rows_after_death() AS id;
    IF offending IS NOT NULL THEN
        RAISE EXCEPTION 'contribution_period % has months after its person''s death', offending
            USING ERRCODE = 'check_violation', CONSTRAINT = '{_CONTRIBUTIONS}';
    END IF;
    SELECT min(id) INTO offending FROM cards_after_death() AS id;
    IF offending IS NOT NULL THEN
        RAISE EXCEPTION 'health_insurance_card % starts after its holder''s death', offending
            USING ERRCODE = 'check_violation', CONSTRAINT = '{_CARDS}';
    END IF;
END
$$
"""


def upgrade() -> None:
    op.execute(_FUNCTIONS)
    op.execute(_TRIGGERS)
    op.execute(_CHECK_STORED_ROWS)


def downgrade() -> None:
    op.execute(
        f"""
        DROP TRIGGER person_died_on_bounds ON person;
        DROP TRIGGER {_CARDS} ON health_insurance_card;
        DROP TRIGGER {_CONTRIBUTIONS} ON contribution_period;
        DROP FUNCTION cards_after_death();
        DROP FUNCTION contribution_rows_after_death();
        DROP FUNCTION death_bounds();
        """
    )
