"""Insurance rules the book derives values from (DOMAIN.md §3), as pure functions."""

from collections.abc import Iterable

BHTN_MONTHS_PER_BENEFIT_MONTH = 12


def bhtn_months_granted(contribution_months: int) -> int:
    """Benefit duration: 3 months for 12–36 contribution months, +1 per further 12, at most 12.
    0 below the 12-month eligibility threshold."""
    if contribution_months < 12:
        return 0
    return min(12, 3 + max(0, contribution_months - 36) // 12)


def bhtn_reserved_months(
    decisions: Iterable[tuple[int, int]], months_since_last_claim: int, total_months: int
) -> int:
    """Contribution months available for a future claim (thời gian bảo lưu).

    `decisions` are (months counted, benefit months used) of each past decision. Months counted
    for a claim are spent at 12 per benefit month actually received; what a claim counted but did
    not spend (the claimant found work early, or had more months than the duration used) stays
    reserved, and months contributed after the latest claim add to it. With no claim, every
    contribution month is reserved.
    """
    decisions = list(decisions)
    if not decisions:
        return total_months
    reserved = sum(
        max(0, counted - used * BHTN_MONTHS_PER_BENEFIT_MONTH) for counted, used in decisions[-1:]
    )
    return reserved + months_since_last_claim
