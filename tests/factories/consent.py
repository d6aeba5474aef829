from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from tests.factories.person import insert


def consent(
    conn: psycopg.Connection,
    person: dict[str, Any],
    grantee: str = "BYT",
    groups: tuple[str, ...] = ("HEALTH_INSURANCE",),
    *,
    expired: bool = False,
    revoked: bool = False,
) -> dict[str, Any]:
    now = datetime.now(UTC)
    granted_at = now - timedelta(days=400 if expired else 1)
    return insert(
        conn,
        "consent",
        {
            "person_id": person["id"],
            "grantee_code": grantee,
            "data_groups": list(groups),
            "purpose": "Xét hưởng chế độ",
            "granted_at": granted_at,
            "valid_until": granted_at + timedelta(days=30 if expired else 365),
            "granted_by": person["identification_number"],
            "revoked_at": now if revoked else None,
        },
    )
