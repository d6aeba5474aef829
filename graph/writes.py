"""The write path every mutation takes (DESIGN.md, "Writes").

A mutation resolver checks its input, asks `authorize` whether the caller may make the operation
on the person, and hands `perform` the change: a function of the unit of work (one transaction on
the request's connection) that runs the write statements of db.writes and returns a reference to
its result (JSON: ids, never personal data). In the same transaction `perform` claims the caller's
idempotency key and stores that reference under it, and the tables' triggers write the change log
from the actor it sets (migration 0006). Then the resolver builds its answer from the reference by
reading, as a replay does: a retry under the same key, with the same input, finds the stored
reference and reads the record as it is now, without writing again.

Idempotency keys are an argument of every mutation (`idempotencyKey`), not a header: one request
may carry several mutations, each needs its own key, and a field's argument crosses a federation
gateway and a generated client as the schema says, where a header depends on the gateway's
forwarding rules.
"""

import hashlib
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, is_dataclass
from enum import Enum
from typing import Annotated, Any, Final, TypeVar

import orjson
import psycopg
import strawberry
from psycopg import errors

from db.session import Row, Transaction
from db.writes import idempotency
from graph.authz.write_policy import WriteAccess, WriteOperation, decide_write
from graph.context import Info
from graph.errors import BadUserInput, Conflict, DomainError, Forbidden, NotFound

R = TypeVar("R")
log = logging.getLogger(__name__)

KEY_ARGUMENT: Final = "idempotencyKey"
KEY_DESCRIPTION: Final = (
    "Khóa chống trùng lặp — a string the client chooses per intended write (a UUID, 1–200"
    " printable characters) and sends again, unchanged, when it retries: the write happens once"
    " and every attempt gets its result. Keys are the caller's own and are remembered 24 hours;"
    " the same key with different input is BAD_USER_INPUT."
)
_KEY = re.compile(r"[\x21-\x7e]{1,200}")

IdempotencyKey = Annotated[str, strawberry.argument(description=KEY_DESCRIPTION)]
"""Every mutation's `idempotencyKey` argument."""


def stale(what: str, current_version: int) -> Conflict:
    return Conflict(
        f"{what} has changed since the version you read: it is now version {current_version}",
        currentVersion=current_version,
    )


async def authorize(
    info: Info, person: Row | None, operation: WriteOperation, *, not_found: NotFound
) -> WriteAccess:
    """The caller's ground to make `operation` on `person`'s records. A person the caller cannot
    even read is `not_found` (the same answer as a person that does not exist: no oracle); one
    the caller reads but may not change this way is FORBIDDEN."""
    facts_loaders = info.context.require_facts()
    if person is None:
        raise not_found
    facts = await facts_loaders.facts(person)
    granted = decide_write(facts_loaders.principal, person, facts, operation)
    if granted is not None:
        return granted
    if await facts_loaders.access(person) is None:
        raise not_found
    raise Forbidden(f"not allowed to {operation.value.lower().replace('_', ' ')} for this person")


def checked_key(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise BadUserInput(KEY_ARGUMENT, "must be 1 to 200 printable ASCII characters, no spaces")
    return key


def fingerprint(operation: str, arguments: Mapping[str, Any]) -> str:
    """The same mutation with the same arguments, whatever their order or spelling in JSON."""
    canonical = orjson.dumps(
        {"operation": operation, "arguments": _plain(arguments)},
        option=orjson.OPT_SORT_KEYS,
        default=str,
    )
    return hashlib.sha256(canonical).hexdigest()


async def perform(
    info: Info,
    *,
    key: str,
    arguments: Mapping[str, Any],
    access: WriteAccess,
    change: Callable[[Transaction], Awaitable[R]],
) -> R:
    """Runs `change` once per (caller, key): the first attempt's reference, stored with the
    change in one transaction, or the stored one for a retry. A `change` that raises (bad
    input found against the data, a conflict) rolls everything back, the key included: the
    caller may fix the input and try again under the same key."""
    principal = info.context.require_principal()
    operation = info.field_name
    key = checked_key(key)
    scope = idempotency.Scope(principal.role.value, principal.subject, principal.org)
    print_ = fingerprint(operation, arguments)
    actor = {
        "role": principal.role.value,
        "subject": principal.subject,
        "org": principal.org,
        "grounds": list(access.grounds),
        "request_id": info.context.request_id,
        "operation": operation,
        "idempotency_key": key,
    }
    try:
        async with info.context.reader.transaction() as tx:
            earlier = await idempotency.claim(
                tx, scope, key, operation=operation, fingerprint=print_, actor=actor
            )
            if earlier is not None:
                if earlier.operation != operation or earlier.fingerprint != print_:
                    raise BadUserInput(
                        KEY_ARGUMENT,
                        "was used for a different write (another mutation or other input):"
                        " choose a new key for a new write",
                    )
                result: R = earlier.result
            else:
                result = await change(tx)
                await idempotency.store(tx, scope, key, result)
    except (errors.IntegrityError, errors.DataError) as exc:
        raise _refused(info, exc, next(iter(arguments), "input")) from None
    # What this request's loaders cached before the write may be stale now.
    info.context.loaders.clear()
    if info.context.facts is not None:
        info.context.facts.clear()
    return result


def _refused(info: Info, exc: psycopg.Error, argument: str) -> DomainError:
    """The database refused what the checks before it let through: the last line held. A clash
    with a concurrent write (a unique or exclusion constraint) is a CONFLICT, anything else bad
    input; either way nothing was written. Logged by the constraint's name (a check the API
    lacks), never with the row, which holds personal data."""
    constraint = exc.diag.constraint_name or type(exc).__name__
    log.warning(
        "%s refused by the database: %s (request %s)",
        info.field_name,
        constraint,
        info.context.request_id,
    )
    if isinstance(exc, errors.UniqueViolation | errors.ExclusionViolation):
        return Conflict(
            f"another write made this one clash ({constraint}): read the record again",
            constraint=constraint,
        )
    refusal = BadUserInput(argument, f"is refused by the database ({constraint})")
    refusal.extensions = {**(refusal.extensions or {}), "constraint": constraint}
    return refusal


def _plain(value: Any) -> Any:
    """Strawberry inputs (dataclasses) and enums as JSON-able plain values."""
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    return value
