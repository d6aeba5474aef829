"""Employers (đơn vị sử dụng lao động) registered with social insurance."""

from datetime import date

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Identity, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from db.enums import EnterpriseType
from db.models.base import Base, enum_check


class Employer(Base):
    __tablename__ = "employer"
    __table_args__ = (
        CheckConstraint("tax_code ~ '^[0-9]{10}(-[0-9]{3})?$'", name="tax_code_format"),
        # db.identifiers.validate_tax_code, check digit included (SQL function, migration 0011).
        CheckConstraint("is_valid_tax_code(tax_code)", name="tax_code_valid"),
        CheckConstraint(enum_check("enterprise_type", EnterpriseType), name="enterprise_type"),
        # An employer is identified either by its enterprise code or by an establishment decision.
        CheckConstraint(
            "enterprise_code IS NOT NULL OR establishment_decision IS NOT NULL",
            name="enterprise_code_or_decision",
        ),
        CheckConstraint("phone ~ '^0[0-9]{9,10}$'", name="phone_format"),
        CheckConstraint("email ~ '^[^@ ]+@[^@ ]+$'", name="email_format"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tax_code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    enterprise_code: Mapped[str | None] = mapped_column(Text)
    establishment_decision: Mapped[str | None] = mapped_column(Text)
    organisation_id_number: Mapped[str | None] = mapped_column(Text)
    unit_code: Mapped[str] = mapped_column(Text, unique=True)
    head_office_address: Mapped[str] = mapped_column(Text)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"))
    business_lines: Mapped[list[str]] = mapped_column(ARRAY(Text))
    phone: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    enterprise_type: Mapped[str] = mapped_column(Text)
    office_code: Mapped[str] = mapped_column(ForeignKey("social_insurance_office.code"))
    # Ngày chấm dứt hiệu lực mã số thuế: from this date the employer is no longer active.
    deregistered_on: Mapped[date | None] = mapped_column(Date)
