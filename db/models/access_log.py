"""The access log (nhật ký truy cập): every read of a person's data by someone else.

Append-only, enforced by the database: triggers refuse UPDATE and DELETE (migration 0003) and
TRUNCATE (0005), and the runtime role may only INSERT (db/roles.py). `person_id` names a person
the request read; no foreign key (migration 0020).
"""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Identity,
    Index,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base


class AccessLogEntry(Base):
    __tablename__ = "access_log"
    __table_args__ = (
        CheckConstraint("cardinality(data_groups) > 0", name="data_groups"),
        Index("ix_access_log_person_id_at", "person_id", "at", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # No foreign key: checking it locked each person read, a write per book served (0020).
    person_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    request_id: Mapped[str] = mapped_column(Text)
    operation_name: Mapped[str | None] = mapped_column(Text)
    actor_role: Mapped[str] = mapped_column(Text)
    actor_subject: Mapped[str] = mapped_column(Text)
    actor_org: Mapped[str | None] = mapped_column(Text)
    data_groups: Mapped[list[str]] = mapped_column(ARRAY(Text))
    # Why the read was allowed: "scope:medical", "consent:<id>", "employment:<tax code>", …
    grounds: Mapped[list[str]] = mapped_column(ARRAY(Text))
