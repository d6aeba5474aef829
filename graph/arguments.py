"""Arguments shared by many fields, described once."""

from datetime import date
from typing import Annotated

import strawberry

from graph.types.scalars import YearMonth

First = Annotated[
    int, strawberry.argument(description="Số bản ghi — how many items to return (0 to 100).")
]
After = Annotated[
    str | None,
    strawberry.argument(description="Con trỏ — continue after this cursor (a page's endCursor)."),
]
FromMonth = Annotated[
    YearMonth | None,
    strawberry.argument(description="Từ tháng — only rows covering this month or later."),
]
ToMonth = Annotated[
    YearMonth | None,
    strawberry.argument(description="Đến tháng — only rows covering this month or earlier."),
]
FromDate = Annotated[
    date | None, strawberry.argument(description="Từ ngày — only items on or after this date.")
]
ToDate = Annotated[
    date | None, strawberry.argument(description="Đến ngày — only items on or before this date.")
]
