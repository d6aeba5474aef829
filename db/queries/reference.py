"""Social insurance offices (facilities live with health insurance)."""

from collections.abc import Sequence

from sqlalchemy import select

from db.models import SocialInsuranceOffice
from db.queries.compile import align_one, compile_query, text_keys
from db.session import Reader, Row

OFFICES_BY_CODE = compile_query(
    "offices_by_code",
    select(SocialInsuranceOffice.__table__).where(text_keys(SocialInsuranceOffice.code)),
)


async def offices_by_code(db: Reader, keys: Sequence[str]) -> list[Row | None]:
    return align_one(keys, await db.fetch(OFFICES_BY_CODE, {"keys": list(keys)}), "code")
