"""The seed's book columns (db/seed/book_fields.py) on rendered lines."""

from db.seed.book_fields import benefit_line, bhyt_lines, cover, period_line

N = "\\N"


def test_voluntary_row_gets_state_support_and_no_employer_notes() -> None:
    line = (
        f"7\tVOLUNTARY_SOCIAL\t2024-01-01\t2024-12-01\t{N}\t{N}\t1500000\t{N}\t{N}\t{N}\t{N}\t22.00"
    )
    fields = period_line(line).split("\t")
    assert fields[12:14] == ["f", "{}"]
    pct, months = fields[14:16]
    assert pct in {"30", "25", "10"}  # Decree 134/2015 art. 14, before 7/2025
    assert months == "12"


def test_voluntary_row_before_2018_has_no_support() -> None:
    line = (
        f"7\tVOLUNTARY_SOCIAL\t2015-01-01\t2017-12-01\t{N}\t{N}\t700000\t{N}\t{N}\t{N}\t{N}\t22.00"
    )
    assert period_line(line).split("\t")[14:16] == [N, N]


def test_employed_row_has_no_state_support() -> None:
    line = f"7\tCOMPULSORY_SOCIAL\t2024-01-01\t{N}\t3\tThợ hàn\t9000000\t{N}\t{N}\t{N}\t{N}\t25.00"
    fields = period_line(line).split("\t")
    assert fields[12] in {"t", "f"}
    assert fields[14:16] == [N, N]


def test_pension_rate_and_average_agree_with_the_amount() -> None:
    line = "7\tRETIREMENT\t1/QĐ-BHXH\t2025-06-20\t2025-07-01\t\\N\t6100000"
    fields = benefit_line(line, "79001").split("\t")
    rate, average = float(fields[7]), int(fields[8])
    assert 45 <= rate <= 75
    assert abs(rate * average / 100 - 6_100_000) <= rate * 500 / 100  # average rounded to 1,000
    assert fields[9:] == [N, N, "79001"]


def test_sickness_days_are_the_period_days() -> None:
    line = "7\tSICKNESS\t1/QĐ-BHXH\t2022-03-01\t2022-02-01\t2022-02-10\t1500000"
    assert benefit_line(line, "01001").split("\t")[7:] == [N, N, N, "10", "01001"]


def test_cover_is_issued_in_the_first_contribution_month() -> None:
    social = f"7\t0100000007\tUNIT\t01001\tEMPLOYEE\tMONTHLY\t{N}"
    periods = [
        f"7\tCOMPULSORY_SOCIAL\t2010-05-01\t2012-01-01\t3\tThợ\t1\t{N}\t{N}\t{N}\t{N}\t22.00",
        f"7\tUNEMPLOYMENT\t2009-03-01\t2009-12-01\t3\tThợ\t1\t{N}\t{N}\t{N}\t{N}\t2.00",
    ]
    office, issued = cover(social, periods).split("\t")[7:]
    assert office == "01001"
    assert issued.startswith("2009-03-")
    assert cover(social, []).split("\t")[7:] == [N, N]


def test_bhyt_lines_from_compulsory_rows_and_cards() -> None:
    periods = [
        # 10,000,000 from 2024-07: employer 3 % = 300,000, employee 1.5 % = 150,000
        f"7\tCOMPULSORY_SOCIAL\t2024-07-01\t{N}\t3\tThợ\t10000000\t{N}\t{N}\t{N}\t{N}\t25.00",
        # before 2015: not written
        f"7\tCOMPULSORY_SOCIAL\t2010-01-01\t2010-12-01\t3\tThợ\t3000000\t{N}\t{N}\t{N}\t{N}\t22.00",
    ]
    cards = [
        # a student's card of 2023 (base salary 1,490,000 on 1/1/2023): 4.5 % = 67,050;
        # state 30 % = 20,115, the student 70 % = 46,935
        f"7\tSV4010000000007\t0100000007\tSV\t4\t01\t{N}\t01001\t2023-01-01\t2023-12-31\t{N}"
        "\tACTIVE\t",
        # an employee's card: paid through the compulsory rows, nothing of its own
        f"7\tDN4010000000007\t0100000007\tDN\t4\t01\t{N}\t01001\t2024-07-01\t2024-12-31\t{N}"
        "\tACTIVE\t",
    ]
    assert bhyt_lines(7, periods, cards, []) == [
        f"7\tEMPLOYER\t2024-07-01\t{N}\t300000",
        f"7\tEMPLOYEE\t2024-07-01\t{N}\t150000",
        "7\tSTATE_BUDGET\t2023-01-01\t2023-12-01\t20115",
        "7\tSELF\t2023-01-01\t2023-12-01\t46935",
    ]


def test_pensioners_cover_is_paid_from_the_pension() -> None:
    cards = [
        f"7\tHT3010000000007\t0100000007\tHT\t3\t01\t{N}\t01001\t2025-01-01\t2025-12-31\t{N}"
        "\tACTIVE\t",
    ]
    benefits = ["7\tRETIREMENT\t1/QĐ-BHXH\t2024-12-20\t2025-01-01\t\\N\t6000000"]
    # 4.5 % × 6,000,000 = 270,000 (Law on Health Insurance art. 13(1)(b))
    assert bhyt_lines(7, [], cards, benefits) == [
        "7\tSOCIAL_INSURANCE_FUND\t2025-01-01\t2025-12-01\t270000"
    ]
