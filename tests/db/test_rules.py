from hypothesis import given
from hypothesis import strategies as st

from db.rules import bhtn_months_granted, bhtn_reserved_months


def test_bhtn_duration_follows_the_law() -> None:
    assert bhtn_months_granted(11) == 0
    assert bhtn_months_granted(12) == 3
    assert bhtn_months_granted(36) == 3
    assert bhtn_months_granted(47) == 3
    assert bhtn_months_granted(48) == 4
    assert bhtn_months_granted(144) == 12
    assert bhtn_months_granted(400) == 12


@given(st.integers(min_value=0, max_value=600))
def test_bhtn_duration_is_monotonic_and_bounded(months: int) -> None:
    assert 0 <= bhtn_months_granted(months) <= bhtn_months_granted(months + 1) <= 12


def test_reserved_months() -> None:
    assert bhtn_reserved_months(None, 0, 40) == 40
    assert bhtn_reserved_months((40, 3), 5, 80) == 4 + 5
    assert bhtn_reserved_months((24, 1), 0, 30) == 12
    assert bhtn_reserved_months((24, 3), 2, 30) == 2


def test_reserved_months_by_the_decree() -> None:
    # Decree 28/2015 art. 18(6)–(7), Circular 28/2015 art. 9, by hand:
    # 50 counted, 4 months granted and used: 48 spent, the odd 2 reserved.
    assert bhtn_reserved_months((50, 4), 0, 50) == 2
    # 20 counted, 3 granted and used: the whole 20 spent (3 months need 12–36).
    assert bhtn_reserved_months((20, 3), 0, 20) == 0
    # Found work after 1 of 3 months: 20 − 12 = 8 reserved back; 45 − 12 = 33.
    assert bhtn_reserved_months((20, 1), 0, 20) == 8
    assert bhtn_reserved_months((45, 1), 0, 45) == 33
    # The allowance was never collected: every counted month is reserved back.
    assert bhtn_reserved_months((30, 0), 0, 30) == 30
    # Above the 144 a 12-month entitlement spends: 150 − 144 = 6 stay reserved (our reading),
    # and 7 months contributed since the claim add to them.
    assert bhtn_reserved_months((150, 12), 7, 157) == 13
