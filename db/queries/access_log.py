"""The access log: one insert per request for every person read, and the person's view of it."""

from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from sqlalchemy import DateTime

from db.models import AccessLogEntry
from db.queries.compile import compile_query
from db.queries.paging import PageParams, fetch_pages, keyset_page
from db.session import Query, Reader, Row

# The reads arrive as one JSON array of objects (one per person read, each with its request's
# actor) so a request costs one statement, and the reads of concurrent requests can go in one
# statement and one commit (db.lane: `appends`); each object's groups and grounds are JSON
# arrays that PostgreSQL turns into text[] element by element. No value is ever joined or split
# on a separator, so no character in a claim (a comma in an organisation code) can add a ground
# or a group.
RECORD_READS = Query(
    "record_reads",
    "INSERT INTO access_log (person_id, request_id, operation_name, actor_role,"
    " actor_subject, actor_org, data_groups, grounds)"
    " SELECT t.person_id, t.request_id, t.operation_name, t.actor_role, t.actor_subject,"
    " t.actor_org, t.data_groups, t.grounds"
    " FROM jsonb_to_recordset(CAST(%(reads)s AS jsonb)) AS t(person_id bigint, request_id text,"
    " operation_name text, actor_role text, actor_subject text, actor_org text,"
    " data_groups text[], grounds text[])",
    appends="reads",
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
    entry = {
        "request_id": request_id,
        "operation_name": operation_name,
        "actor_role": actor.role,
        "actor_subject": actor.subject,
        "actor_org": actor.org,
    }
    rows = [
        {
            **entry,
            "person_id": r.person_id,
            "data_groups": sorted(r.data_groups),
            "grounds": list(r.grounds),
        }
        for r in reads
    ]
    await db.execute(RECORD_READS, {"reads": orjson.dumps(rows).decode()})


async def access_log_page(db: Reader, keys: Sequence[int], page: PageParams) -> list[list[Row]]:
    return await fetch_pages(db, ACCESS_LOG_PAGE, keys, page)
