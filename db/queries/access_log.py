"""The access log: one insert per request for every person read, and the person's view of it."""

from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from sqlalchemy import DateTime, text

from db.models import AccessLogEntry
from db.queries.compile import compile_query
from db.queries.paging import PageParams, fetch_pages, keyset_page
from db.session import Reader, Row

# The reads arrive as one JSON array of objects (one per person read) so a request costs one
# statement; each object's groups and grounds are JSON arrays that PostgreSQL turns into text[]
# element by element. No value is ever joined or split on a separator, so no character in a
# claim (a comma in an organisation code) can add a ground or a group.
RECORD_READS = compile_query(
    "record_reads",
    text(
        "INSERT INTO access_log (person_id, request_id, operation_name, actor_role,"
        " actor_subject, actor_org, data_groups, grounds)"
        " SELECT t.person_id, :request_id, :operation_name, :actor_role, :actor_subject,"
        " :actor_org, t.data_groups, t.grounds"
        " FROM jsonb_to_recordset(CAST(:reads AS jsonb))"
        " AS t(person_id bigint, data_groups text[], grounds text[])"
    ),
)

_log = AccessLogEntry.__table__
ACCESS_LOG_PAGE = compile_query(
    "access_log_page",
    keyset_page(
        _log,
        list(_log.c),
        parent="person_id",
        sort="at",
        sort_type=DateTime(timezone=True),
        newest_first=True,
    ),
)


@dataclass(frozen=True)
class Read:
    person_id: int
    data_groups: Sequence[str]
    grounds: Sequence[str]


@dataclass(frozen=True)
class Actor:
    role: str
    subject: str
    org: str | None


async def record_reads(
    db: Reader, reads: Sequence[Read], *, actor: Actor, request_id: str, operation_name: str | None
) -> None:
    await db.execute(
        RECORD_READS,
        {
            "request_id": request_id,
            "operation_name": operation_name,
            "actor_role": actor.role,
            "actor_subject": actor.subject,
            "actor_org": actor.org,
            "reads": orjson.dumps(
                [
                    {
                        "person_id": r.person_id,
                        "data_groups": sorted(r.data_groups),
                        "grounds": list(r.grounds),
                    }
                    for r in reads
                ]
            ).decode(),
        },
    )


async def access_log_page(db: Reader, keys: Sequence[int], page: PageParams) -> list[list[Row]]:
    return await fetch_pages(db, ACCESS_LOG_PAGE, keys, page)
