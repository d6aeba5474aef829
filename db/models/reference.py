"""Reference lists (DOMAIN.md §2): provinces, ethnic groups, BHYT categories, offices, facilities.

Provinces, ethnicities and categories are also held in memory (db.reference_data) because they are
small and static; the tables exist so that foreign keys hold the data to them.
"""

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, SmallInteger, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base


class Province(Base):
    """Tỉnh, thành phố trực thuộc trung ương — the 34 provinces from 1/7/2025."""

    __tablename__ = "province"
    __table_args__ = (CheckConstraint("code ~ '^[0-9]{2}$'", name="code_format"),)

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    is_city: Mapped[bool]


class LegacyProvince(Base):
    """The 63 pre-2025 provinces, whose codes still appear in personal IDs and old BHYT cards."""

    __tablename__ = "legacy_province"
    __table_args__ = (CheckConstraint("code ~ '^[0-9]{2}$'", name="code_format"),)

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)


class Ethnicity(Base):
    """Dân tộc — the 54 ethnic groups."""

    __tablename__ = "ethnicity"
    __table_args__ = (CheckConstraint("code ~ '^[0-9]{2}$'", name="code_format"),)

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)


class BhytCategory(Base):
    """Đối tượng tham gia BHYT with its benefit level (mức hưởng) 1–5."""

    __tablename__ = "bhyt_category"
    __table_args__ = (
        CheckConstraint("code ~ '^[A-Z]{2}$'", name="code_format"),
        CheckConstraint("benefit_level BETWEEN 1 AND 5", name="benefit_level_range"),
        # The target of a card's (category, level) key: a card's level is its category's.
        UniqueConstraint("code", "benefit_level"),
    )

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    benefit_level: Mapped[int] = mapped_column(SmallInteger)
    name_vi: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)


class SocialInsuranceOffice(Base):
    """Cơ quan BHXH — a provincial or local social insurance office."""

    __tablename__ = "social_insurance_office"

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)


class HealthFacility(Base):
    """Cơ sở khám bệnh, chữa bệnh — a healthcare facility with its 5-character code (MA_CSKCB)."""

    __tablename__ = "health_facility"
    __table_args__ = (CheckConstraint("code ~ '^[0-9]{5}$'", name="code_format"),)

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)
    address: Mapped[str] = mapped_column(Text)
    tier: Mapped[str] = mapped_column(Text)
    # From this date (licence withdrawn, facility closed) the facility is no longer active.
    deregistered_on: Mapped[date | None] = mapped_column(Date)
