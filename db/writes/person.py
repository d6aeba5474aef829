"""Person writes (updateContact), inside the mutation's unit of work."""

from collections.abc import Mapping

from sqlalchemy import text

from db.queries.compile import compile_query
from db.session import Transaction

CONTACT_COLUMNS = ("phone", "email", "contact_address")

# One statement for any subset of the fields: `set_<column>` says whether to write it (a value,
# or NULL to clear it). Only the version the caller read is changed; the trigger raises it.
UPDATE_CONTACT = compile_query(
    "update_contact",
    text(
        "UPDATE person SET "
        + ", ".join(
            f"{c} = CASE WHEN CAST(:set_{c} AS boolean) THEN CAST(:{c} AS text) ELSE {c} END"
            for c in CONTACT_COLUMNS
        )
        + " WHERE id = :id AND version = :expected_version RETURNING version"
    ),
)
CURRENT_VERSION = compile_query("person_version", text("SELECT version FROM person WHERE id = :id"))


async def update_contact(
    tx: Transaction, person_id: int, expected_version: int, changes: Mapping[str, str | None]
) -> int | None:
    """The new version, or None when the person's version is not `expected_version`.
    `changes` maps some of CONTACT_COLUMNS to their new value (None clears it)."""
    params: dict[str, object] = {"id": person_id, "expected_version": expected_version}
    for column in CONTACT_COLUMNS:
        params[f"set_{column}"] = column in changes
        params[column] = changes.get(column)
    rows = await tx.fetch(UPDATE_CONTACT, params)
    return int(rows[0]["version"]) if rows else None


async def current_version(tx: Transaction, person_id: int) -> int | None:
    rows = await tx.fetch(CURRENT_VERSION, {"id": person_id})
    return int(rows[0]["version"]) if rows else None
