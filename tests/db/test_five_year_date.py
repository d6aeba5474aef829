"""The five-year date (thời điểm đủ 5 năm liên tục) as the card reads and the visit's split derive
it (db.queries.health_insurance.five_year_sql), on hand-computed card histories: continuity
survives a break of at most 3 months (Decree 146/2018/NĐ-CP art. 12(5)) that began on or after
1/1/2015, revoked cards do not count, and the cover an officer recorded before the register's
cards counts from the day recorded."""

from datetime import UTC, date, datetime

import psycopg
import pytest
from psycopg.rows import dict_row

from db.identifiers import make_bhyt_code_15
from db.queries.health_insurance import CARDS_BY_ID, CARDS_PAGE
from db.writes.medical_visit import CARD_AT
from tests.factories.book import Book, book
from tests.factories.person import insert

D = date.fromisoformat
Card = tuple[str, str] | tuple[str, str, str] | tuple[str, str, str, str]
"""(valid_from, valid_to[, status[, continuous_cover_since]])."""


def _years(first: int, last: int) -> list[Card]:
    return [(f"{y}-01-01", f"{y}-12-31") for y in range(first, last + 1)]


CASES: list[tuple[str, list[Card], str | None]] = [
    # Five calendar years without a break: reached on the first day of the sixth card...
    ("five years of cards", [*_years(2020, 2024), ("2025-01-01", "2025-12-31")], "2025-01-01"),
    # ...and not printed on a card that ends before it.
    ("not yet within the card", _years(2020, 2024), None),
    # October to December uncovered: a break of exactly 3 months keeps the run (and its date).
    ("a break of 3 months", [("2020-01-01", "2024-09-30"), ("2025-01-01", "2025-12-31")], "2025-01-01"),
    # One day more: the run restarts on 2 January 2025, five years on is past the card.
    ("3 months and a day", [("2020-01-01", "2024-09-30"), ("2025-01-02", "2025-12-31")], None),
    # Uncovered from 30/11/2024: three months later is 28/2/2025 (February has no 30th).
    ("to a shorter month", [("2020-03-01", "2024-11-29"), ("2025-02-28", "2025-12-31")], "2025-03-01"),
    ("past a shorter month", [("2020-03-01", "2024-11-29"), ("2025-03-01", "2025-12-31")], None),
    # A break before 1/1/2015 interrupts however short: the run starts on 1/6/2014.
    ("a break in 2014", [("2013-01-01", "2014-03-31"), ("2014-06-01", "2019-12-31")], "2019-06-01"),
    ("a break in 2015", [("2015-01-01", "2015-03-31"), ("2015-06-01", "2020-12-31")], "2020-01-01"),
    # The revoked 2022 card is no cover: a year's break, the run starts in 2023.
    (
        "a revoked card",
        [*_years(2020, 2021), ("2022-01-01", "2022-12-31", "REVOKED"), *_years(2023, 2025)],
        None,
    ),
    (
        "a revoked card, later",
        [
            *_years(2020, 2021),
            ("2022-01-01", "2022-12-31", "REVOKED"),
            *_years(2023, 2027),
            ("2028-01-01", "2028-12-31"),
        ],
        "2028-01-01",
    ),
    # Cover since 1/6/2020 recorded from paper records: reached on 1/6/2025.
    ("recorded cover", [("2023-01-01", "2025-12-31", "ACTIVE", "2020-06-01")], "2025-06-01"),
    ("without it", [("2023-01-01", "2025-12-31")], None),
    # The recorded cover holds for the renewals of its run.
    (
        "recorded cover, renewed",
        [("2023-01-01", "2024-12-31", "EXPIRED", "2020-06-01"), ("2025-01-01", "2025-12-31")],
        "2025-06-01",
    ),
    # ...but not across a break that interrupts it.
    (
        "recorded cover, then a break",
        [("2023-01-01", "2024-06-30", "EXPIRED", "2020-06-01"), ("2025-01-01", "2030-06-30")],
        "2030-01-01",
    ),
]  # fmt: skip


def _card(conn: psycopg.Connection, b: Book, card: Card) -> int:
    valid_from, valid_to = card[:2]
    status = card[2] if len(card) > 2 else "ACTIVE"
    since = card[3] if len(card) > 3 else None
    row = insert(
        conn,
        "health_insurance_card",
        {
            "person_id": b.person["id"],
            "code": make_bhyt_code_15("DN", 4, "01", b.bhxh_code),
            "short_code": b.bhxh_code,
            "category_code": "DN",
            "benefit_level": 4,
            "province_code": "01",
            "initial_facility_code": b.facility_code,
            "valid_from": D(valid_from),
            "valid_to": D(valid_to),
            "continuous_cover_since": D(since) if since else None,
            "status": status,
            "status_reason": "Cấp trùng thẻ BHYT" if status == "REVOKED" else None,
        },
    )
    return int(row["id"])


@pytest.mark.parametrize(("history", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_last_cards_five_year_date(
    conn: psycopg.Connection, history: list[Card], expected: str | None
) -> None:
    b = book(conn, cards=0, visits=0)
    last = [_card(conn, b, card) for card in history][-1]
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(CARDS_BY_ID.sql, {"keys": [last]})
        (read,) = cur.fetchall()
        # The visit's split reads the same rule (the card locked at a time, as a visit sees it).
        cur.execute(CARD_AT.sql, {"id": last, "at": datetime(2026, 1, 1, tzinfo=UTC)})
        (for_visit,) = cur.fetchall()
    assert read["five_year_date"] == (D(expected) if expected else None)
    assert for_visit["five_year_date"] == read["five_year_date"]


def test_every_card_of_a_page_has_its_own(conn: psycopg.Connection) -> None:
    b = book(conn, cards=0, visits=0)
    history: list[Card] = [
        ("2019-01-01", "2019-12-31", "EXPIRED", "2016-01-01"),
        ("2020-01-01", "2021-12-31"),  # 5 years from the recorded cover: 1/1/2021
        ("2022-06-01", "2024-12-31"),  # 5 months' break: a new run from 1/6/2022
        ("2025-01-01", "2027-12-31"),  # reached on 1/6/2027
    ]
    for card in history:
        _card(conn, b, card)
    params = {"keys": [b.person["id"]], "limit": 10, "after_sort": None, "after_id": None}
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(CARDS_PAGE.sql, {**params, "start": None, "end": None})
        got = [r["five_year_date"] for r in cur.fetchall()]
    assert got == [None, D("2021-01-01"), None, D("2027-06-01")]
