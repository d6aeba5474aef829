"""The write path's own records: idempotency keys and the change log (migration 0006)."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Identity, Index, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base


class IdempotencyRecord(Base):
    """A mutation done under a caller's idempotency key: its input's fingerprint and a reference
    to its result (NULL only inside the transaction that claims the key)."""

    __tablename__ = "idempotency_record"
    __table_args__ = (
        CheckConstraint("length(key) BETWEEN 1 AND 200", name="key_length"),
        Index("ix_idempotency_record_expires_at", "expires_at"),
    )

    actor_role: Mapped[str] = mapped_column(Text, primary_key=True)
    actor_subject: Mapped[str] = mapped_column(Text, primary_key=True)
    actor_org: Mapped[str] = mapped_column(Text, primary_key=True)
    """'' for callers without an organisation (a primary key column cannot be NULL)."""
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    operation: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(Text)
    result: Mapped[Any | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ChangeLogEntry(Base):
    """Nhật ký thay đổi: one changed record, written by the audited tables' triggers only."""

    __tablename__ = "change_log"
    __table_args__ = (
        CheckConstraint("action IN ('INSERT', 'UPDATE', 'DELETE')", name="action"),
        Index("ix_change_log_person_id_at", "person_id", "at", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    request_id: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(Text)
    operation: Mapped[str] = mapped_column(Text)
    actor_role: Mapped[str] = mapped_column(Text)
    actor_subject: Mapped[str] = mapped_column(Text)
    actor_org: Mapped[str | None] = mapped_column(Text)
    grounds: Mapped[list[str]] = mapped_column(ARRAY(Text))
    person_id: Mapped[int | None] = mapped_column(BigInteger)
    record_table: Mapped[str] = mapped_column(Text)
    record_id: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    before: Mapped[Any | None] = mapped_column(JSONB)
    after: Mapped[Any | None] = mapped_column(JSONB)
