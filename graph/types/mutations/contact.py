"""Contact details: the person (or their legal representative) changes phone, email, address."""

import re
from typing import Annotated, Final

import strawberry

from db.session import Transaction
from db.writes import person as person_writes
from graph.authz.principal import Role
from graph.authz.write_policy import WriteOperation
from graph.context import Info
from graph.errors import BadUserInput, Forbidden, NotFound
from graph.types.person import Person
from graph.validation import PERSON_KEY_DESCRIPTION, person_key
from graph.writes import IdempotencyKey, authorize, perform, stale

# The database's CHECK constraints (db/models/person.py), word for word.
PHONE: Final = re.compile(r"0[0-9]{9}")
EMAIL: Final = re.compile(r"[^@ ]+@[^@ ]+")
MAX_EMAIL: Final = 254  # RFC 5321's limit on a forward path
MAX_ADDRESS: Final = 300

_CLEARING = " Omitted: unchanged. null: cleared (the record then holds none). A value: replaces it."


@strawberry.input(
    description=(
        "Thay đổi thông tin liên hệ — new contact details. Only the fields sent change:"
        " omit a field to keep it, send null to clear it."
    )
)
class UpdateContactInput:
    expected_version: int = strawberry.field(
        description=(
            "Phiên bản — the contact's version as read (Person.contact.version); a change made"
            " since is a CONFLICT carrying the current version."
        )
    )
    person: str | None = strawberry.field(
        default=None,
        description=(
            PERSON_KEY_DESCRIPTION + ": the person whose details change, when a legal"
            " representative acts for them; omitted for the caller's own details."
        ),
    )
    phone: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Số điện thoại — 10 digits starting with 0 (0912345678)." + _CLEARING,
    )
    email: str | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"Thư điện tử — name@domain, at most {MAX_EMAIL} characters." + _CLEARING,
    )
    address: str | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            f"Địa chỉ liên hệ — one line of 1 to {MAX_ADDRESS} characters (runs of spaces become"
            " one)." + _CLEARING
        ),
    )


def _no_person(named: bool) -> NotFound:
    return NotFound(
        "no person with this personal ID or BHXH code whose contact details you manage",
        **({"argument": "input.person"} if named else {}),
    )


def contact_changes(input: UpdateContactInput) -> dict[str, str | None]:
    """The columns to write (None clears one), each value checked as the database checks it."""
    changes: dict[str, str | None] = {}
    if input.phone is not strawberry.UNSET:
        phone = None if input.phone is None else input.phone.strip()
        if phone is not None and not PHONE.fullmatch(phone):
            raise BadUserInput("input.phone", "must be 10 digits starting with 0, or null")
        changes["phone"] = phone
    if input.email is not strawberry.UNSET:
        email = None if input.email is None else input.email.strip()
        if email is not None and not (EMAIL.fullmatch(email) and len(email) <= MAX_EMAIL):
            raise BadUserInput(
                "input.email",
                f"must look like name@domain (no spaces, at most {MAX_EMAIL} characters), or null",
            )
        changes["email"] = email
    if input.address is not strawberry.UNSET:
        address = None if input.address is None else " ".join(input.address.split())
        if address is not None and not 1 <= len(address) <= MAX_ADDRESS:
            raise BadUserInput(
                "input.address", f"must be 1 to {MAX_ADDRESS} characters (null clears it)"
            )
        changes["contact_address"] = address
    if not changes:
        raise BadUserInput("input", "name at least one of phone, email and address")
    if input.expected_version < 1:
        raise BadUserInput("input.expectedVersion", "is a version read from contact.version")
    return changes


@strawberry.type
class ContactMutations:
    @strawberry.federation.mutation(
        authenticated=True,
        description=(
            "Cập nhật thông tin liên hệ — the person (or their legal representative) changes"
            " their phone, email or contact address. Names the version it read: a change made"
            " meanwhile is a CONFLICT with the current version."
        ),
    )
    async def update_contact(
        self,
        info: Info,
        input: Annotated[
            UpdateContactInput,
            strawberry.argument(description="The fields to change and the version read."),
        ],
        idempotency_key: IdempotencyKey,
    ) -> Person:
        principal = info.context.require_principal()
        changes = contact_changes(input)
        loaders = info.context.loaders
        if input.person is not None:
            row = await loaders.person_by_key.load(person_key(input.person, "input.person"))
        elif principal.role is Role.CITIZEN:
            row = await loaders.citizen(principal.subject)
        else:
            # Only a person has contact details of their own; others must name one (and then
            # learn that they may not change them).
            raise Forbidden("only the person or their legal representative changes contact details")
        access = await authorize(
            info, row, WriteOperation.UPDATE_CONTACT, not_found=_no_person(input.person is not None)
        )
        assert row is not None
        person_id = int(row["id"])

        async def update(tx: Transaction) -> int:
            version = await person_writes.update_contact(
                tx, person_id, input.expected_version, changes
            )
            if version is None:
                current = await person_writes.current_version(tx, person_id)
                if current is None:
                    raise _no_person(input.person is not None)
                raise stale("the contact details", current)
            return person_id

        arguments = {
            "person": person_id,
            "expectedVersion": input.expected_version,
            "changes": changes,
        }
        done = await perform(
            info, key=idempotency_key, arguments=arguments, access=access, change=update
        )
        person = await Person.admit(info, await info.context.loaders.person_by_id.load(done))
        assert person is not None  # the caller was allowed to change this person's details
        return person
