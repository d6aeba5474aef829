"""Idempotency keys: claim a caller's key inside the mutation's transaction, or find what an
earlier attempt under it did.

Claiming is an INSERT on the key's primary key: a concurrent attempt with the same key waits on
the first one's row until that transaction ends, then finds the committed record (or, when the
first rolled back, claims the key itself). Nothing needs a lock of its own. The same statement
sets the transaction's actor (`bhxh.actor`, read by the change log's triggers, migration 0006)
and deletes a few expired records of anyone, so the table holds about one day of keys without a
separate job.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

import orjson
from sqlalchemy import text

from db.queries.compile import compile_query
from db.session import Transaction

KEY_LIFETIME: Final = timedelta(hours=24)
"""How long a key is remembered: a retry within it is answered from the record."""
PURGE_PER_CLAIM: Final = 10

_KEY = "actor_role = :role AND actor_subject = :subject AND actor_org = :org AND key = :key"
CLAIM = compile_query(
    "claim_idempotency_key",
    text(
        "WITH actor AS (SELECT set_config('bhxh.actor', :actor, true) AS actor),"
        " purged AS (DELETE FROM idempotency_record WHERE ctid IN (SELECT ctid"
        " FROM idempotency_record WHERE expires_at < now() AND NOT (" + _KEY + ")"
        " ORDER BY expires_at LIMIT :purge FOR UPDATE SKIP LOCKED))"
        " INSERT INTO idempotency_record AS r (actor_role, actor_subject, actor_org, key,"
        " operation, fingerprint, expires_at)"
        " SELECT :role, :subject, :org, :key, :operation, :fingerprint,"
        " now() + CAST(:lifetime AS interval) FROM actor"
        " ON CONFLICT (actor_role, actor_subject, actor_org, key) DO UPDATE"
        " SET operation = excluded.operation, fingerprint = excluded.fingerprint, result = NULL,"
        " created_at = now(), expires_at = excluded.expires_at"
        " WHERE r.expires_at <= now()"
        " RETURNING true AS claimed"
    ),
)
# A statement of its own: READ COMMITTED gives it a snapshot taken after the claim's wait.
EARLIER = compile_query(
    "earlier_attempt",
    text("SELECT operation, fingerprint, result FROM idempotency_record WHERE " + _KEY),
)
STORE = compile_query(
    "store_idempotent_result",
    text("UPDATE idempotency_record SET result = CAST(:result AS jsonb) WHERE " + _KEY),
)


@dataclass(frozen=True)
class Scope:
    """Whose key it is: a key means something only to the caller who chose it."""

    role: str
    subject: str
    org: str | None

    def params(self, key: str) -> dict[str, Any]:
        return {"role": self.role, "subject": self.subject, "org": self.org or "", "key": key}


@dataclass(frozen=True)
class Earlier:
    operation: str
    fingerprint: str
    result: Any


async def claim(
    tx: Transaction,
    scope: Scope,
    key: str,
    *,
    operation: str,
    fingerprint: str,
    actor: dict[str, Any],
) -> Earlier | None:
    """None: the key is this transaction's now. Otherwise what the earlier attempt did."""
    params = scope.params(key)
    claimed = await tx.fetch(
        CLAIM,
        {
            **params,
            "operation": operation,
            "fingerprint": fingerprint,
            "actor": orjson.dumps(actor).decode(),
            "lifetime": f"{int(KEY_LIFETIME.total_seconds())} seconds",
            "purge": PURGE_PER_CLAIM,
        },
    )
    if claimed:
        return None
    (row,) = await tx.fetch(EARLIER, params)
    return Earlier(row["operation"], row["fingerprint"], row["result"])


async def store(tx: Transaction, scope: Scope, key: str, result: Any) -> None:
    await tx.execute(STORE, {**scope.params(key), "result": orjson.dumps(result).decode()})
