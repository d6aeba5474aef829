"""The differential comparison: one request sent to two apps over the same database must give the
same status, the same body (data and errors, in order) and the same access-log rows.

Each request's side effects are undone before the other app answers, so both see the same
database: its access-log rows are read and then deleted (the owner lifts the append-only
trigger for its own session only), and a mutation's consent rows are put back. What a request
generates itself — its request id, the id and time of a row it wrote — is replaced by a
placeholder on both sides; everything else is compared as returned."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from tests.graph.conftest import Api

Json = Any
# Access-log columns that differ per request by construction.
_PER_REQUEST = ("id", "request_id", "at")
_CONSENT_TIMES = ("granted_at", "revoked_at")


@dataclass(frozen=True)
class Request:
    document: str
    variables: dict[str, Json]
    caller: str
    token: str | None

    def describe(self) -> str:
        return f"caller: {self.caller}\nvariables: {self.variables!r}\ndocument:\n{self.document}"


@dataclass(frozen=True)
class Outcome:
    status: int
    body: Json
    access_log: list[dict[str, Json]]
    consents: list[dict[str, Json]]
    """Consent rows the request created or changed, with generated ids and times replaced."""


def without_request_id(body: Json) -> Json:
    """The body with `requestId` dropped from every error's extensions (and nowhere else: the
    access log's entries expose a `requestId` of their own, which is data)."""
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list):
        return body
    errors = []
    for error in body["errors"]:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        if isinstance(extensions, dict) and "requestId" in extensions:
            error = {
                **error,
                "extensions": {k: v for k, v in extensions.items() if k != "requestId"},
            }
        errors.append(error)
    return {**body, "errors": errors}


def first_difference(a: Json, b: Json, where: str = "") -> str | None:
    """The first place, in response order, where `a` and `b` differ (object keys in order too:
    a response's key order is the document's selection order)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return f"{where or '.'}: keys {list(a)} != {list(b)}"
        for key in a:
            if found := first_difference(a[key], b[key], f"{where}.{key}"):
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            if found := first_difference(x, y, f"{where}[{i}]"):
                return found
        if len(a) != len(b):
            return f"{where or '.'}: {len(a)} items != {len(b)} items"
        return None
    if type(a) is not type(b) or a != b:
        return f"{where or '.'}: {a!r} != {b!r}"
    return None


def compare(request: Request, reference: Outcome, candidate: Outcome) -> str | None:
    """None when the outcomes agree; otherwise a report naming the request and the first
    difference (status, then body, then access log, then consent writes)."""
    for part in ("status", "body", "access_log", "consents"):
        found = first_difference(getattr(reference, part), getattr(candidate, part), part)
        if found:
            return f"{request.describe()}\nfirst difference (reference != candidate): {found}"
    return None


class Effects:
    """Reads and undoes what one request wrote, through the owner's connection."""

    def __init__(self, owner: psycopg.Connection) -> None:
        self.owner = owner
        # Only this session skips the access log's append-only trigger (superuser only).
        owner.execute("SET session_replication_role = replica")

    def consents(self) -> dict[str, dict[str, Json]]:
        with self.owner.cursor(row_factory=dict_row) as cur:
            return {str(r["id"]): r for r in cur.execute("SELECT * FROM consent ORDER BY id")}

    def take_access_log(self, request_id: str) -> list[dict[str, Json]]:
        with self.owner.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(
                "DELETE FROM access_log WHERE request_id = %s RETURNING *", (request_id,)
            ).fetchall()
        rows.sort(key=lambda r: r["id"])
        return [{k: v for k, v in r.items() if k not in _PER_REQUEST} for r in rows]

    def restore_consents(
        self, before: dict[str, dict[str, Json]]
    ) -> tuple[list[dict[str, Json]], dict[str, str], list[datetime]]:
        """Put the consent table back as `before`; return the rows the request created or
        changed (generated values as placeholders), the placeholders of the ids it generated,
        and the times it wrote."""
        after = self.consents()
        placeholders: dict[str, str] = {}
        written: list[datetime] = []
        changes: list[dict[str, Json]] = []
        for key, row in after.items():
            old = before.get(key)
            if old == row:
                continue
            if old is None:
                placeholders[key] = f"<consent created #{len(placeholders) + 1}>"
            for column in _CONSENT_TIMES:
                if row[column] is not None and (old is None or old[column] != row[column]):
                    written.append(row[column])
            changes.append(
                {
                    **row,
                    "id": placeholders.get(key, key),
                    **{c: "<written>" if row[c] in written else row[c] for c in _CONSENT_TIMES},
                }
            )
        with self.owner.transaction():
            created = [uuid.UUID(k) for k in placeholders]
            self.owner.execute("DELETE FROM consent WHERE id = ANY(%s)", (created,))
            for key, old in before.items():
                if after.get(key) != old:
                    self.owner.execute(
                        "UPDATE consent SET revoked_at = %s WHERE id = %s",
                        (old["revoked_at"], old["id"]),
                    )
            # The other executor's run makes the same write under the same key.
            self.owner.execute("DELETE FROM idempotency_record")
        return changes, placeholders, written


def _generated(value: Json, ids: dict[str, str], times: list[datetime]) -> Json:
    """`value` with the ids and times the request generated replaced by placeholders."""
    if isinstance(value, dict):
        return {k: _generated(v, ids, times) for k, v in value.items()}
    if isinstance(value, list):
        return [_generated(v, ids, times) for v in value]
    if isinstance(value, str):
        if value in ids:
            return ids[value]
        try:
            if datetime.fromisoformat(value) in times:
                return "<written>"
        except ValueError:
            pass
    return value


async def outcome(api: Api, effects: Effects, request: Request, *, writes: bool) -> Outcome:
    """Send `request`, then read and undo its effects (`writes`: it may change consents)."""
    before = effects.consents() if writes else {}
    headers = {"Authorization": f"Bearer {request.token}"} if request.token else {}
    response = await api.client.post(
        "/graphql",
        json={"query": request.document, "variables": request.variables},
        headers=headers,
    )
    access_log = effects.take_access_log(response.headers["x-request-id"])
    body = without_request_id(response.json())
    consents: list[dict[str, Json]] = []
    if writes:
        consents, ids, times = effects.restore_consents(before)
        body = _generated(body, ids, times)
    return Outcome(response.status_code, body, access_log, consents)
