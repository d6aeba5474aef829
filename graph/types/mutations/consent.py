"""Consent writes: a citizen (or their legal representative) grants and revokes consent."""

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated
from uuid import UUID

import strawberry

from db.models.consent import MAX_ACTIVE_CONSENTS
from db.queries import consent as consent_queries
from db.session import Transaction
from db.writes import consent as consent_writes
from graph.authz.policy import BOOK, DataGroup
from graph.authz.principal import Role
from graph.authz.write_policy import WriteOperation
from graph.context import Info
from graph.errors import BadUserInput, Conflict, Forbidden, NotFound
from graph.types.consent import Consent
from graph.validation import PERSON_KEY_DESCRIPTION, person_key
from graph.writes import IdempotencyKey, authorize, perform

MAX_CONSENT = timedelta(days=5 * 366)
MAX_PURPOSE = 500
_AGENCY_CODE = re.compile(r"[A-Z0-9-]{2,20}")  # partner_agency's code_format


@strawberry.input(description="Đồng ý chia sẻ — what to share, with whom, why and until when.")
class GrantConsentInput:
    grantee: str = strawberry.field(description="Mã cơ quan — the partner agency's code.")
    data_groups: list[DataGroup] = strawberry.field(description="Nhóm dữ liệu — groups to share.")
    purpose: str = strawberry.field(description="Mục đích — why the agency may read them.")
    valid_until: datetime = strawberry.field(
        description="Hiệu lực đến — expiry (in the future, at most five years ahead)."
    )
    person: str | None = strawberry.field(
        default=None,
        description=(
            PERSON_KEY_DESCRIPTION + ": the person the consent is for, when a legal"
            " representative grants it; omitted for the caller's own data."
        ),
    )


# Someone else's consent (or person) and one that does not exist get the same answer, word for
# word: an error that differs would tell the caller that the id or person exists.
_NO_CONSENT_MESSAGE = "no consent with this id among those you manage"
_NO_PERSON_MESSAGE = "no person with this personal ID or BHXH code whose consent you manage"


def _no_consent() -> NotFound:
    return NotFound(_NO_CONSENT_MESSAGE, argument="id")


def _no_person(named: bool) -> NotFound:
    return NotFound(_NO_PERSON_MESSAGE, **({"argument": "input.person"} if named else {}))


def _require_citizen(info: Info) -> str:
    principal = info.context.require_principal()
    if principal.role is not Role.CITIZEN:
        raise Forbidden("only the person or their legal representative manages consent")
    return principal.subject


def _check(input: GrantConsentInput) -> tuple[list[str], str, datetime]:
    groups = sorted({g.value for g in input.data_groups})
    if not groups:
        raise BadUserInput("input.dataGroups", "name at least one data group")
    if not set(groups) <= {g.value for g in BOOK}:
        raise BadUserInput("input.dataGroups", "consents and the access log cannot be shared")
    purpose = input.purpose.strip()
    if not purpose or len(purpose) > MAX_PURPOSE:
        raise BadUserInput("input.purpose", f"must be 1 to {MAX_PURPOSE} characters")
    until = input.valid_until
    if until.tzinfo is None:
        raise BadUserInput("input.validUntil", "must carry a time zone")
    now = datetime.now(UTC)
    if until <= now:
        raise BadUserInput("input.validUntil", "must be in the future")
    if until > now + MAX_CONSENT:
        raise BadUserInput("input.validUntil", "must be at most five years ahead")
    return groups, purpose, until


async def _consent(info: Info, consent_id: UUID) -> Consent:
    row = await consent_queries.consent_by_id(info.context.reader, consent_id)
    assert row is not None  # written by this request, or by the attempt it replays
    return Consent(row=row)


@strawberry.type(description="Consent: what a citizen lets partner agencies read.")
class ConsentMutations:
    @strawberry.federation.mutation(
        authenticated=True,
        description="Cấp quyền — let a partner agency read some data groups until a date.",
    )
    async def grant_consent(
        self,
        info: Info,
        input: Annotated[
            GrantConsentInput,
            strawberry.argument(description="What to share, with whom, until when."),
        ],
        idempotency_key: IdempotencyKey,
    ) -> Consent:
        subject = _require_citizen(info)
        groups, purpose, until = _check(input)
        loaders = info.context.loaders
        person = await (
            loaders.person_by_key.load(person_key(input.person, "input.person"))
            if input.person
            else loaders.citizen(subject)
        )
        access = await authorize(
            info,
            person,
            WriteOperation.GRANT_CONSENT,
            not_found=_no_person(input.person is not None),
        )
        assert person is not None
        grantee = input.grantee.strip().upper()
        if not _AGENCY_CODE.fullmatch(grantee):
            raise BadUserInput(
                "input.grantee", "is not a partner agency code (2–20 of A–Z, 0–9, -)"
            )
        if await consent_queries.agency_by_code(info.context.reader, grantee) is None:
            raise BadUserInput("input.grantee", "is not a registered partner agency")

        async def grant(tx: Transaction) -> str:
            consent_id = await consent_writes.grant(
                tx,
                person_id=person["id"],
                grantee_code=grantee,
                data_groups=groups,
                purpose=purpose,
                valid_until=until,
                granted_by=subject,
            )
            if consent_id is None:
                raise BadUserInput(
                    "input.grantee",
                    f"already holds {MAX_ACTIVE_CONSENTS} active consents from this person:"
                    " revoke one (or let it expire) first",
                )
            return str(consent_id)

        arguments = {"input": input, "person": person["id"]}
        done = await perform(
            info, key=idempotency_key, arguments=arguments, access=access, change=grant
        )
        return await _consent(info, UUID(done))

    @strawberry.federation.mutation(
        authenticated=True,
        description=(
            "Thu hồi — end a consent now; the agency loses access with the next request. A"
            " consent revoked before is a CONFLICT that says when."
        ),
    )
    async def revoke_consent(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="Mã đồng ý — the consent's id.")
        ],
        idempotency_key: IdempotencyKey,
    ) -> Consent:
        _require_citizen(info)
        try:
            consent_id = UUID(str(id))
        except ValueError:
            raise BadUserInput("id", "is not a consent id") from None
        existing = await consent_queries.consent_by_id(info.context.reader, consent_id)
        person = (
            await info.context.loaders.person_by_id.load(existing["person_id"])
            if existing
            else None
        )
        access = await authorize(
            info, person, WriteOperation.REVOKE_CONSENT, not_found=_no_consent()
        )

        async def revoke(tx: Transaction) -> str:
            revoked_before = await consent_writes.revoke(tx, consent_id)
            if revoked_before is not None:
                raise Conflict(
                    f"this consent was already revoked at {revoked_before.isoformat()}",
                    revokedAt=revoked_before.isoformat(),
                )
            return str(consent_id)

        done = await perform(
            info,
            key=idempotency_key,
            arguments={"id": str(consent_id)},
            access=access,
            change=revoke,
        )
        return await _consent(info, UUID(done))
