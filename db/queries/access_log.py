"""The access log: one insert per request for every person read, and the person's view of it."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import DateTime, text

from db.models import AccessLogEntry
from db.queries.compile import compile_query
from db.queries.paging import PageParams, fetch_pages, keyset_page
from db.session import Reader, Row

# Rows arrive as parallel arrays (one element per person read) so a request costs one statement;
# groups and grounds travel comma-joined because PostgreSQL arrays of arrays must be rectangular.
RECORD_READS = compile_query(
    "record_reads",
    text(
        "INSERT INTO access_log (person_id, request_id, operation_name, actor_role,"
        " actor_subject, actor_org, data_groups, grounds)"
        " SELECT t.person_id, :request_id, :operation_name, :actor_role, :actor_subject,"
        " :actor_org, string_to_array(t.data_groups, ','), string_to_array(t.grounds, ',')"
        " FROM unnest(CAST(:person_ids AS bigint[]), CAST(:data_groups AS text[]),"
        " CAST(:grounds AS text[])) AS t(person_id, data_groups, grounds)"
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
            "person_ids": [r.person_id for r in reads],
            "data_groups": [",".join(sorted(r.data_groups)) for r in reads],
            "grounds": [",".join(r.grounds) for r in reads],
        },
    )


async def access_log_page(db: Reader, keys: Sequence[int], page: PageParams) -> list[list[Row]]:
    return await fetch_pages(db, ACCESS_LOG_PAGE, keys, page)
