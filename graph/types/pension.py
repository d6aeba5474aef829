"""The social insurance book's footer toward a pension: the combined total and retirement."""

from datetime import date

import strawberry

from db import rules
from db.enums import Sex
from db.session import Row
from graph.authz.permissions import reads
from graph.authz.policy import Access, DataGroup


@strawberry.type(
    description=(
        "Tuổi nghỉ hưu — the person's retirement age in normal working conditions (Labour Code"
        " 2019 art. 169, Decree 135/2020): 60 years 3 months for men and 55 years 4 months for"
        " women in 2021, rising by 3 (men) or 4 (women) months a year to 62 and 60, by birth"
        " date. Early retirement (arduous work, lost capacity, the armed forces) is not derived."
    )
)
class Retirement:
    age_years: int = strawberry.field(description="Tuổi nghỉ hưu (năm) — whole years of the age.")
    age_months: int = strawberry.field(
        description="Tuổi nghỉ hưu (tháng lẻ) — months beyond the whole years."
    )
    reached_on: date = strawberry.field(
        description="Ngày đủ tuổi nghỉ hưu — the day the person reaches retirement age."
    )


@strawberry.type(
    description=(
        "Tổng thời gian đóng BHXH tính hưởng lương hưu — the book's footer toward a pension:"
        " compulsory and voluntary months together, and when the person may retire."
    )
)
class PensionStanding:
    person_id: strawberry.Private[int]
    access: strawberry.Private[Access]
    birth_date: strawberry.Private[date]
    sex: strawberry.Private[Sex]
    today: strawberry.Private[date]
    months: int = strawberry.field(
        description=(
            "Tổng số tháng đóng BHXH — compulsory (maternity months included) and voluntary"
            " months toward a pension, a month in both counted once; months settled by a"
            " lump-sum withdrawal are not (Law 41/2024 art. 64, 70)."
        )
    )
    settled_months: int = strawberry.field(
        description=(
            "Số tháng đã hưởng BHXH một lần — compulsory and voluntary months settled by a"
            " lump-sum withdrawal, counted once: kept in the book, no longer toward a pension."
        )
    )

    @strawberry.field(description="Số năm — whole years of the total.")
    def years(self) -> int:
        return self.months // 12

    @strawberry.field(description="Số tháng lẻ — months beyond the whole years.")
    def remainder_months(self) -> int:
        return self.months % 12

    @strawberry.field(
        description=(
            "Số tháng tối thiểu để hưởng lương hưu — contribution months a pension needs today:"
            " 180 (15 years, Law 41/2024 art. 64, from 1 July 2025); 240 before."
        )
    )
    def months_required(self) -> int:
        return rules.pension_months_required(self.today)

    @strawberry.field(
        description=(
            "Số tháng còn thiếu để hưởng lương hưu — months still needed for a pension (0 when"
            " the total already reaches the minimum)."
        )
    )
    def months_missing(self) -> int:
        return rules.pension_months_missing(self.months, self.today)

    @strawberry.field(
        description=(
            "Tuổi nghỉ hưu — retirement age and the day it is reached; derived from the birth"
            " date, so it needs the IDENTITY data group too."
        ),
        permission_classes=[reads(DataGroup.IDENTITY)],
    )
    def retirement(self) -> Retirement | None:
        age = rules.retirement_age_months(self.sex, self.birth_date)
        return Retirement(
            age_years=age // 12,
            age_months=age % 12,
            reached_on=rules.retirement_date(self.sex, self.birth_date),
        )


def pension_standing(
    person_id: int, access: Access, person: Row, rows: list[Row], today: date
) -> PensionStanding:
    """The footer from the totals statement's rows (every row carries the person's pension
    months) and the person's birth date and sex."""
    first = rows[0] if rows else None
    return PensionStanding(
        person_id=person_id,
        access=access,
        birth_date=person["birth_date"],
        sex=Sex(person["sex"]),
        today=today,
        months=first["pension_months"] if first else 0,
        settled_months=first["pension_settled_months"] if first else 0,
    )
