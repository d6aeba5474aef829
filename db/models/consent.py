"""Consent (sự đồng ý): a person lets a partner agency read some of their data groups, for a
purpose, until a date or until revoked."""

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base

# The decree's data groups a consent may name (the person's own records are never shareable).
CONSENTABLE_GROUPS = (
    "IDENTITY",
    "RELATIVES",
    "CONTACT",
    "HOUSEHOLD",
    "SOCIAL_INSURANCE",
    "HEALTH_INSURANCE",
    "MEDICAL",
    "UNEMPLOYMENT_INSURANCE",
)

# Unrevoked, unexpired consents one person may hold for one agency at once: the API refuses a
# grant past it (BAD_USER_INPUT) and a trigger (migration 0004) refuses the row.
MAX_ACTIVE_CONSENTS = 5


class PartnerAgency(Base):
    """Cơ quan, tổ chức khai thác dữ liệu — an agency that may read data with consent."""

    __tablename__ = "partner_agency"
    __table_args__ = (CheckConstraint("code ~ '^[A-Z0-9-]{2,20}$'", name="code_format"),)

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    # From this date (the data-sharing agreement ended) the agency is no longer active.
    deregistered_on: Mapped[date | None] = mapped_column(Date)


class Consent(Base):
    __tablename__ = "consent"
    __table_args__ = (
        CheckConstraint(
            "cardinality(data_groups) > 0 AND data_groups <@ ARRAY["
            + ", ".join(f"'{g}'" for g in CONSENTABLE_GROUPS)
            + "]::text[]",
            name="data_groups",
        ),
        CheckConstraint("length(btrim(purpose)) BETWEEN 1 AND 500", name="purpose_length"),
        CheckConstraint("valid_until > granted_at", name="validity_order"),
        CheckConstraint("revoked_at IS NULL OR revoked_at >= granted_at", name="revocation_order"),
        CheckConstraint("granted_by ~ '^[0-9]{10}([0-9]{2})?$'", name="granted_by_format"),
        # The granting citizen's token subject: a valid personal ID (migration 0011, with a
        # trigger for a birth year in the future), or the BHXH code of a person without one
        # (migration 0015).
        CheckConstraint(
            "length(granted_by) = 10 OR is_valid_personal_id(granted_by)", name="granted_by_valid"
        ),
        Index("ix_consent_person_id_grantee_code", "person_id", "grantee_code"),
        Index("ix_consent_person_id_granted_at_id", "person_id", "granted_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    grantee_code: Mapped[str] = mapped_column(ForeignKey("partner_agency.code"))
    data_groups: Mapped[list[str]] = mapped_column(ARRAY(Text))
    purpose: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    valid_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Personal ID of whoever granted it: the person, or their legal representative.
    granted_by: Mapped[str] = mapped_column(Text)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
