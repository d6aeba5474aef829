"""Insurance rules the book derives values from (DOMAIN.md §3), as pure functions."""

BHTN_MONTHS_PER_BENEFIT_MONTH = 12


def bhtn_months_granted(contribution_months: int) -> int:
    """Benefit duration: 3 months for 12–36 contribution months, +1 per further 12, at most 12.
    0 below the 12-month eligibility threshold."""
    if contribution_months < 12:
        return 0
    return min(12, 3 + max(0, contribution_months - 36) // 12)


def bhtn_reserved_months(
    last_claim: tuple[int, int] | None, months_since_last_claim: int, total_months: int
) -> int:
    """Contribution months available for a future claim (thời gian bảo lưu).

    `last_claim` is (months counted, benefit months received) of the latest decision. A claim
    spends 12 counted months per benefit month received; what it counted but did not spend (the
    claimant found work early) stays reserved, and months contributed after the claim add to it.
    Earlier claims' leftovers were counted into the later one. With no claim, every month counts.
    """
    if last_claim is None:
        return total_months
    counted, used = last_claim
    unspent = max(0, counted - used * BHTN_MONTHS_PER_BENEFIT_MONTH)
    return unspent + months_since_last_claim
