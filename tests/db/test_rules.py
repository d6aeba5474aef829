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
