"""The employer's monthly contribution declaration (tờ khai điều chỉnh lao động): its input, and the
declaration as the employer reads it back."""

from datetime import datetime
from enum import Enum

import strawberry

from db import contribution_rules as rules
from db.contribution_rules import LineKind, LineOutcome
from db.enums import Scheme, WageRegion
from db.session import Row
from graph.types.employer import Employer
from graph.types.scalars import Vnd, YearMonth

MAX_LINES = 5_000
"""Lines per declaration; the request body limit (1 MiB) holds about this many."""
MAX_JOB_TITLE = 200


def _enum(enum: type[Enum], name: str, description: str, values: dict[str, str]) -> None:
    strawberry.enum(enum, name=name, description=description)
    for value in enum.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = values[value.name]  # a KeyError: an undescribed value


_enum(
    WageRegion,
    "WageRegion",
    (
        "Vùng lương tối thiểu — the minimum-wage region of the employer's place of work (Decree"
        " 74/2024, Decree 293/2025). The register does not hold it: the employer declares it."
    ),
    {
        "REGION_I": "Vùng I — 4,960,000 VND from 7/2024; 5,310,000 from 1/2026.",
        "REGION_II": "Vùng II — 4,410,000 VND from 7/2024; 4,730,000 from 1/2026.",
        "REGION_III": "Vùng III — 3,860,000 VND from 7/2024; 4,140,000 from 1/2026.",
        "REGION_IV": "Vùng IV — 3,450,000 VND from 7/2024; 3,700,000 from 1/2026.",
    },
)
_enum(
    LineKind,
    "DeclarationLineKind",
    "Loại biến động — what a declaration line reports about one employee in the month.",
    {
        "START": (
            "Tăng mới — hired: rows open from the month (a person this employer does not"
            " employ now)."
        ),
        "SALARY_CHANGE": (
            "Điều chỉnh mức đóng — new salary, job or schemes: the open rows end the month"
            " before and new ones open."
        ),
        "END": "Giảm — nghỉ việc: employment ends; the open rows end the month before.",
        "UNPAID_LEAVE": (
            "Nghỉ không lương — leave without pay: the open rows end the month before; the"
            " person stays an employee until RETURN or END."
        ),
        "MATERNITY_LEAVE": (
            "Nghỉ thai sản — maternity leave: the open rows end the month before (the months"
            " count through the maternity benefit, without contributions); the person stays an"
            " employee until RETURN or END."
        ),
        "RETURN": "Đi làm lại — back from leave: rows open again from the month.",
    },
)
_enum(
    LineOutcome,
    "DeclarationLineOutcome",
    "Kết quả — what a line did to the employee's contribution history.",
    {
        "OPENED": "Mở — rows opened from the month (START, RETURN).",
        "CHANGED": "Điều chỉnh — open rows ended and new ones opened (SALARY_CHANGE).",
        "CLOSED": "Đóng — open rows ended at the month before (END and the leaves).",
    },
)


@strawberry.input(description="Dòng kê khai — one employee's change in the declared month.")
class ContributionDeclarationLineInput:
    identification_number: str | None = strawberry.field(
        default=None,
        description=(
            "Số định danh cá nhân — the employee's 12-digit personal ID. Give it or bhxhCode,"
            " not both."
        ),
    )
    bhxh_code: str | None = strawberry.field(
        default=None,
        description=(
            "Mã số BHXH — the employee's 10-digit BHXH code, for a foreign worker known by"
            " passport only (no personal ID). Give it or identificationNumber, not both."
        ),
    )
    kind: LineKind = strawberry.field(description="Loại biến động — what changes.")
    salary_vnd: Vnd | None = strawberry.field(
        default=None,
        description=(
            "Mức lương đóng BHXH — the monthly salary contributions are paid on (START,"
            " SALARY_CHANGE, RETURN only): at least the region's minimum wage of the month, at most"
            " 20 × the reference level (46,800,000 VND)."
        ),
    )
    job_title: str | None = strawberry.field(
        default=None,
        description=(
            f"Chức danh nghề, công việc — job title (START, SALARY_CHANGE, RETURN only; 1–"
            f"{MAX_JOB_TITLE} characters)."
        ),
    )
    schemes: list[Scheme] | None = strawberry.field(
        default=None,
        description=(
            "Chế độ — the schemes paid (START, SALARY_CHANGE, RETURN only): COMPULSORY_SOCIAL"
            " always; UNEMPLOYMENT when the employee pays BHTN (never without BHXH). The"
            " occupational accident fund (TNLĐ-BNN) goes with COMPULSORY_SOCIAL, named or not."
        ),
    )


@strawberry.input(
    description=(
        "Tờ khai điều chỉnh lao động — the employer's changes for one month. One declaration"
        " per employer and month: sending the latest declared month again replaces it."
    )
)
class ContributionDeclarationInput:
    month: YearMonth = strawberry.field(
        description=(
            "Tháng kê khai — the month the changes take effect: not in the future, not before"
            f" {rules.EARLIEST_MONTH:%m/%Y}, and not before the employer's latest declared month."
        )
    )
    wage_region: WageRegion = strawberry.field(
        description="Vùng — the minimum-wage region the salaries are checked against."
    )
    lines: list[ContributionDeclarationLineInput] = strawberry.field(
        description=f"Danh sách — 1 to {MAX_LINES:,} lines, at most one per person."
    )


@strawberry.type(description="Dòng kê khai — one employee's line and what it did.")
class ContributionDeclarationLine:
    row: strawberry.Private[Row]

    @strawberry.field(description="Số dòng — the line's index in the submitted lines (from 0).")
    def line(self) -> int:
        return int(self.row["line_number"])

    @strawberry.field(
        description=(
            "Số định danh cá nhân — the employee's personal ID; null for a foreign worker known"
            " by passport only (bhxhCode names them)."
        )
    )
    def identification_number(self) -> str | None:
        return self.row["identification_number"]  # type: ignore[no-any-return]

    @strawberry.field(
        description="Mã số BHXH — the employee's BHXH code; null while none is issued."
    )
    def bhxh_code(self) -> str | None:
        return self.row["bhxh_code"]  # type: ignore[no-any-return]

    @strawberry.field(description="Loại biến động — what the line declared.")
    def kind(self) -> LineKind:
        return LineKind(self.row["kind"])

    @strawberry.field(description="Mức lương đóng — the declared salary (opening lines).")
    def salary_vnd(self) -> Vnd | None:
        return self.row["salary_vnd"]  # type: ignore[no-any-return]

    @strawberry.field(description="Chức danh — the declared job title (opening lines).")
    def job_title(self) -> str | None:
        return self.row["job_title"]  # type: ignore[no-any-return]

    @strawberry.field(description="Chế độ — the schemes opened (opening lines).")
    def schemes(self) -> list[Scheme] | None:
        schemes = self.row["schemes"]
        return [Scheme(s) for s in schemes] if schemes is not None else None

    @strawberry.field(description="Kết quả — what the line did.")
    def outcome(self) -> LineOutcome:
        return LineOutcome(self.row["outcome"])

    @strawberry.field(description="Số dòng quá trình mở — contribution-history rows opened.")
    def periods_opened(self) -> int:
        return len(self.row["opened_period_ids"])

    @strawberry.field(
        description="Số dòng quá trình kết thúc — open rows ended at the month before."
    )
    def periods_closed(self) -> int:
        return len(self.row["closed_period_ids"])

    @strawberry.field(
        description=(
            "Số dòng quá trình hủy — open rows removed because they began in the declared month"
            " itself (ending them the month before would end them before they start)."
        )
    )
    def periods_removed(self) -> int:
        return len(self.row["removed_periods"])


@strawberry.type(
    description=(
        "Tờ khai — an employer's contribution declaration for one month, as submitted, with"
        " each line's outcome."
    )
)
class ContributionDeclaration:
    row: strawberry.Private[Row]
    line_rows: strawberry.Private[list[Row]]
    employer_row: strawberry.Private[Row]

    @strawberry.field(description="Mã tờ khai — the declaration's id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row["id"]))

    @strawberry.field(description="Đơn vị — the declaring employer.")
    def employer(self) -> Employer:
        return Employer.from_row(self.employer_row)

    @strawberry.field(description="Tháng kê khai — the declared month.")
    def month(self) -> YearMonth:
        return self.row["month"]  # type: ignore[no-any-return]

    @strawberry.field(description="Vùng — the minimum-wage region declared.")
    def wage_region(self) -> WageRegion:
        return WageRegion(self.row["wage_region"])

    @strawberry.field(description="Thời điểm nộp — when it was submitted.")
    def submitted_at(self) -> datetime:
        return self.row["submitted_at"]  # type: ignore[no-any-return]

    @strawberry.field(description="Người nộp — the employer's user who submitted it.")
    def submitted_by(self) -> str:
        return str(self.row["submitted_by"])

    @strawberry.field(
        description="Thay thế tờ khai — the declaration of the same month this one replaced."
    )
    def replaces(self) -> strawberry.ID | None:
        replaced = self.row["replaces_id"]
        return strawberry.ID(str(replaced)) if replaced is not None else None

    @strawberry.field(
        description=(
            "Bị thay thế lúc — when a later submission for the same month replaced this one;"
            " null while it is in force."
        )
    )
    def replaced_at(self) -> datetime | None:
        return self.row["replaced_at"]  # type: ignore[no-any-return]

    @strawberry.field(description="Danh sách — the lines, in the order submitted.")
    def lines(self) -> list[ContributionDeclarationLine]:
        return [ContributionDeclarationLine(row=r) for r in self.line_rows]
