"""Two database roles: the owner, which migrates, and the runtime role the API serves as.

The runtime role reads every table, appends to the access log and makes the API's own writes,
and nothing else. It owns nothing, so it cannot ALTER, DROP or TRUNCATE the access log, disable
its triggers or replace their function; it holds no UPDATE, DELETE or TRUNCATE on the log, and
the log's triggers refuse those even to the owner. `WRITES` is the one table of what it may
write: a new write path adds its line there, and every migration run re-applies the grants from
scratch (migrations/env.py), so a table a later revision adds is covered in the same transaction.

Role and grant statements are DDL on identifiers, so unlike the API's statements (db/queries)
they are composed here rather than compiled once.
"""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import psycopg
from psycopg import errors, sql
from sqlalchemy import Connection

log = logging.getLogger(__name__)

DEFAULT_RUNTIME_ROLE: Final = "bhxh_runtime"


@dataclass(frozen=True)
class Write:
    privilege: Literal["INSERT", "UPDATE", "DELETE"]
    columns: tuple[str, ...] = ()
    """Only these columns (UPDATE); empty: the whole row."""

    def within(self, columns: set[str]) -> "Write | None":
        """This write on the columns that exist (None: a column write with none of them)."""
        if not self.columns:
            return self
        present = tuple(c for c in self.columns if c in columns)
        return Write(self.privilege, present) if present else None

    def sql(self, quote: Callable[[str], str]) -> str:
        if not self.columns:
            return self.privilege
        return f"{self.privilege} ({', '.join(quote(c) for c in self.columns)})"


WRITES: Final[Mapping[str, tuple[Write, ...]]] = {
    # The access recorder's one INSERT per request (db/queries/access_log.py). Never UPDATE,
    # DELETE or TRUNCATE: the log is append-only.
    "access_log": (Write("INSERT"),),
    # grantConsent inserts a consent; revokeConsent sets revoked_at and nothing else of it.
    "consent": (Write("INSERT"), Write("UPDATE", ("revoked_at",))),
    # updateContact: the contact fields and nothing else of a person (the version trigger
    # raises `version` itself).
    "person": (Write("UPDATE", ("phone", "email", "contact_address")),),
    # decideUnemploymentBenefit inserts a decision; recordUnemploymentBenefitMonthsUsed
    # corrects its months used.
    "unemployment_benefit": (Write("INSERT"), Write("UPDATE", ("months_used",))),
    # settleLumpSum inserts the withdrawal (and marks the rows it settles: contribution_period).
    "benefit": (Write("INSERT"),),
    # Every mutation claims its key and stores its result; claims purge expired records.
    "idempotency_record": (Write("INSERT"), Write("UPDATE"), Write("DELETE")),
    # submitContributionDeclaration: opens rows, closes open ones (to_month), removes open rows
    # that would start in the declared month, and a replacing declaration undoes all three.
    # settleLumpSum marks the rows a withdrawal settles (settled_by).
    "contribution_period": (
        Write("INSERT"),
        Write("UPDATE", ("to_month", "settled_by")),
        Write("DELETE"),
    ),
    # A declaration and its lines; a resubmission marks the earlier one replaced.
    "contribution_declaration": (Write("INSERT"), Write("UPDATE", ("replaced_at",))),
    "contribution_declaration_line": (Write("INSERT"),),
    # Officers issue and renew cards (new rows) and change a card's facility or officer state;
    # every such write appends its event, which is never changed. Visits: facilities record
    # them and correct what they recorded, never the person, card or facility of one.
    "health_insurance_card": (
        Write("INSERT"),
        Write("UPDATE", ("initial_facility_code", "status", "status_reason")),
    ),
    "health_insurance_card_event": (Write("INSERT"),),
    "medical_visit": (
        Write("INSERT"),
        Write(
            "UPDATE",
            (
                "admitted_at",
                "discharged_at",
                "visit_type",
                "icd10_code",
                "diagnosis",
                "total_cost_vnd",
                "fund_paid_vnd",
                "patient_paid_vnd",
            ),
        ),
    ),
    # change_log: nothing. Its rows come from the audited tables' triggers, which run as the
    # owner (migration 0006); the runtime role cannot write a row of it itself.
}
"""What the runtime role may write, by table. It may SELECT every table of the schema."""


@dataclass(frozen=True)
class RuntimeRole:
    """The role `bhxh db upgrade` creates when missing (LOGIN, no other attribute) and grants."""

    name: str = DEFAULT_RUNTIME_ROLE
    password: str | None = field(default=None, repr=False)
    """Set on creation only, sent hashed (as the server stores it); an existing role keeps its own."""


class RoleError(RuntimeError):
    """The runtime role cannot be created, or may not be the runtime role; the message says why."""


def ensure_role(conninfo: str, role: RuntimeRole) -> bool:
    """Create the role unless it exists; True if this call created it. Roles are cluster-wide,
    so two migrations of two databases on one server may race to create it: the loser's
    duplicate error means the role is there, which is all it wanted."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role.name]).fetchone():
            return False
        statement = sql.SQL(
            "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
        ).format(sql.Identifier(role.name))
        if role.password is not None:
            # Hashed here, as psql's \password does: the statement may reach the server's log.
            verifier = conn.pgconn.encrypt_password(role.password.encode(), role.name.encode())
            statement += sql.SQL(" PASSWORD {}").format(sql.Literal(verifier.decode()))
        try:
            conn.execute(statement)
        except (errors.DuplicateObject, errors.UniqueViolation):
            return False  # created by a concurrent migration between our look-up and now
        except errors.InsufficientPrivilege as exc:
            raise RoleError(
                f"cannot create the runtime role {role.name!r} ({exc.diag.message_primary}):"
                f" create it once as a superuser (CREATE ROLE {role.name} LOGIN PASSWORD …)"
                " or migrate as a role with CREATEROLE"
            ) from exc
        log.info("created the runtime role %s", role.name)
        return True


def grant_runtime(conn: Connection, role: str) -> None:
    """Make `role`'s privileges in the current schema exactly those of `WRITES` plus SELECT on
    every table, whatever they were before. Runs in the migration's transaction."""
    if (current := conn.exec_driver_sql("SELECT current_user").scalar_one()) == role:
        raise RoleError(f"the runtime role {role!r} cannot be the migrating user {current!r}")
    if problems := _problems(conn.exec_driver_sql(_PRIVILEGE_PROBLEMS, {"role": role}).first()):
        raise RoleError(f"refusing to make {role!r} the runtime role: {problems}")
    quote = conn.dialect.identifier_preparer.quote_identifier
    schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
    r, s = quote(role), quote(schema)
    tables = set(conn.exec_driver_sql(_TABLES).scalars())
    statements = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}",  # column privileges go with them
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {r}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {r}",
        # Tables the owner creates outside a migration run are readable too, like the rest.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT ON TABLES TO {r}",
    ]
    for table, all_writes in WRITES.items():
        if table not in tables:  # a revision before the table's, or a downgrade past it
            continue
        # Likewise a column a later revision adds: its grant waits for that revision.
        columns = set(conn.exec_driver_sql(_COLUMNS_OF, {"table": table}).scalars())
        writes = [w for w in (each.within(columns) for each in all_writes) if w is not None]
        if not writes:
            continue
        privileges = ", ".join(w.sql(quote) for w in writes)
        statements.append(f"GRANT {privileges} ON TABLE {s}.{quote(table)} TO {r}")
        if any(w.privilege == "INSERT" for w in writes):
            # A serial column's default calls nextval(), which needs USAGE; identity columns
            # don't check it, but granting it keeps the rule the same for both.
            for sequence in conn.exec_driver_sql(_SEQUENCES_OF, {"table": table}).scalars():
                statements.append(f"GRANT USAGE ON SEQUENCE {s}.{quote(sequence)} TO {r}")
    for statement in statements:
        conn.exec_driver_sql(statement)
    _schema_and_database(conn, role, schema)


def runtime_problems(conninfo: str) -> str | None:
    """Why the user `conninfo` logs in as could rewrite the access log (None: it cannot)."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        user = str(conn.execute("SELECT current_user::text").fetchone()[0])  # type: ignore[index]
        row = conn.execute(_PRIVILEGE_PROBLEMS, {"role": user}).fetchone()
    problems = _problems(row)
    return f"database user {user!r} {problems}" if problems else None


# A superuser can do anything; a role that can create roles can make itself a member of the
# owner; the owner of the schema can drop it with the log inside, the owner (or a member of the
# owner) of a table or function can alter, drop or replace it.
_PRIVILEGE_PROBLEMS = """
SELECT r.rolsuper, r.rolcreaterole, n.nspname::text,
       pg_has_role(r.oid, n.nspowner, 'MEMBER') AS owns_schema,
       ARRAY(
           SELECT c.relname::text FROM pg_class c
           WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
             AND pg_has_role(r.oid, c.relowner, 'MEMBER')
           UNION ALL
           SELECT p.proname || '()' FROM pg_proc p
           WHERE p.pronamespace = n.oid AND pg_has_role(r.oid, p.proowner, 'MEMBER')
           ORDER BY 1
       ) AS owned
FROM pg_roles r CROSS JOIN pg_namespace n
WHERE r.rolname = %(role)s AND n.nspname = current_schema()
"""

_TABLES = """
SELECT c.relname::text FROM pg_class c
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
"""

_COLUMNS_OF = """
SELECT a.attname::text FROM pg_attribute a
WHERE a.attrelid = (quote_ident(current_schema()) || '.' || quote_ident(%(table)s))::regclass
  AND a.attnum > 0 AND NOT a.attisdropped
"""

# Sequences owned by the table's columns: 'a' for serial, 'i' for identity.
_SEQUENCES_OF = """
SELECT s.relname::text FROM pg_class s
JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
JOIN pg_class t ON t.oid = d.refobjid
WHERE s.relkind = 'S' AND t.relname = %(table)s
  AND t.relnamespace = current_schema()::regnamespace
"""


def _problems(row: Any) -> str | None:
    if row is None:
        return None
    superuser, createrole, schema, owns_schema, owned = row
    if superuser:
        return "is a superuser"
    found = []
    if createrole:
        found.append("may create roles")
    if owns_schema:
        found.append(f"owns schema {schema}")
    if owned:
        more = f" and {len(owned) - 3} more" if len(owned) > 3 else ""
        found.append(f"owns {', '.join(owned[:3])}{more}")
    return "; ".join(found) or None


def _schema_and_database(conn: Connection, role: str, schema: str) -> None:
    """USAGE on the schema and CONNECT on the database when the server's defaults (granted to
    PUBLIC) don't give them; never CREATE on the schema."""
    quote = conn.dialect.identifier_preparer.quote_identifier
    r, s = quote(role), quote(schema)
    facts = conn.exec_driver_sql(
        "SELECT has_schema_privilege(%(role)s, n.oid, 'USAGE'),"
        " has_schema_privilege(%(role)s, n.oid, 'CREATE'),"
        " pg_has_role(current_user, n.nspowner, 'USAGE'),"
        " has_database_privilege(%(role)s, current_database(), 'CONNECT'), current_database()"
        " FROM pg_namespace n WHERE n.nspname = current_schema()",
        {"role": role},
    ).one()
    usage, create, own_schema, connect, database = facts
    if not usage:
        conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {s} TO {r}")
    if not connect:
        conn.exec_driver_sql(f"GRANT CONNECT ON DATABASE {quote(database)} TO {r}")
    if create:
        conn.exec_driver_sql(f"REVOKE CREATE ON SCHEMA {s} FROM {r}")
        # PostgreSQL before 15 lets PUBLIC create in schema public: take that away, as 15 does.
        if own_schema:
            conn.exec_driver_sql(f"REVOKE CREATE ON SCHEMA {s} FROM PUBLIC")
        else:
            log.warning(
                "the runtime role %s may create objects in schema %s (granted to PUBLIC);"
                " its owner should REVOKE CREATE ON SCHEMA %s FROM PUBLIC",
                role,
                schema,
                schema,
            )
