"""The columns a real book shows beyond the history the generators draw (migration 0012):
the cover's issuing office and date, arduous work and notes on history rows.

They are derived from each rendered line by a hash of its text, not drawn from the chunk's
random stream, so adding them changes none of the other generators' draws.
"""

import zlib
from datetime import date, timedelta
from typing import Final

from db.enums import ContributionNote, Scheme
from db.seed.common import AS_OF, NULL

ARDUOUS_PER_MILLE: Final = 40
"""About 4 % of employed rows are on the arduous or hazardous job list (unv)."""
PAID_LATE_PER_MILLE: Final = 20
BACK_PAYMENT_PER_MILLE: Final = 10


def _draw(line: str, salt: str) -> int:
    """A number in [0, 1000) fixed by the line's text."""
    return zlib.crc32(f"{salt}\t{line}".encode()) % 1000


def period_line(line: str) -> str:
    """A contribution_period line with `arduous` and `notes` appended. Voluntary rows are the
    person's own: never arduous work, never an employer's late payment."""
    scheme = line.split("\t", 2)[1]
    employed = scheme != Scheme.VOLUNTARY_SOCIAL.value
    arduous = employed and _draw(line, "arduous") < ARDUOUS_PER_MILLE
    notes: list[str] = []
    if employed:
        late = _draw(line, "notes")
        if late < PAID_LATE_PER_MILLE:
            notes.append(ContributionNote.PAID_LATE.value)
        elif late < PAID_LATE_PER_MILLE + BACK_PAYMENT_PER_MILLE:
            notes.append(ContributionNote.BACK_PAYMENT.value)
    return f"{line}\t{'t' if arduous else 'f'}\t{{{','.join(notes)}}}"


def period_lines(lines: list[str]) -> list[str]:
    return [period_line(line) for line in lines]


def cover(social: str, periods: list[str]) -> str:
    """A social_insurance line with the cover appended: issued by the managing office in the
    first weeks of the first contribution month (never after the seed's today); a record with
    no contribution rows has no book issued yet."""
    if not periods:
        return f"{social}\t{NULL}\t{NULL}"
    office = social.split("\t", 4)[3]
    first = min(date.fromisoformat(p.split("\t", 3)[2]) for p in periods)
    issued = min(first + timedelta(days=_draw(social, "issued") % 28), AS_OF)
    return f"{social}\t{office}\t{issued.isoformat()}"
