"""Collects, during a request, which data groups of whose data the caller read, and writes them
to the access log in one statement before the response leaves (no log, no data).

A read is logged when its data leaves in the response, not when a resolver looked at it: each
operation notes its reads with where they sit in the response (`OperationReads`), and once the
response is complete the reads under a position an error nulled are dropped (the executor calls
`settle`; graph.compiled.executor). So a `me` that fails beside a non-null field, or a book whose
non-null part fails, logs nothing of what never left — whichever executor ran it.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from graphql.pyutils import Path

from db.queries import access_log
from db.session import Reader
from graph.authz.policy import Access, DataGroup
from graph.authz.principal import Principal

Position = tuple[str | int, ...] | None
"""A nulled position's keys; None is the whole `data`."""


@dataclass
class AccessRecorder:
    principal: Principal | None
    request_id: str
    operation_names: set[str] = field(default_factory=set)
    _reads: dict[int, tuple[set[str], tuple[str, ...]]] = field(default_factory=dict)

    def operation(self) -> "OperationReads":
        return OperationReads(self)

    def add(
        self, person_id: int, group: str, grounds: tuple[str, ...], operation: str | None
    ) -> None:
        groups, _ = self._reads.setdefault(person_id, (set(), grounds))
        groups.add(group)
        if operation:
            self.operation_names.add(operation)

    @property
    def pending(self) -> int:
        return len(self._reads)

    async def flush(self, db: Reader) -> None:
        if not self._reads or self.principal is None:
            return
        reads = [
            access_log.Read(person_id, sorted(groups), grounds)
            for person_id, (groups, grounds) in sorted(self._reads.items())
        ]
        actor = access_log.Actor(
            self.principal.role.value, self.principal.subject, self.principal.org
        )
        operation = ",".join(sorted(self.operation_names)) or None
        await access_log.record_reads(
            db, reads, actor=actor, request_id=self.request_id, operation_name=operation
        )
        self._reads.clear()


@dataclass
class _Noted:
    grounds: tuple[str, ...]
    operation: str | None
    where: list[Path | None]


class OperationReads:
    """One operation's reads, held until its response is complete."""

    def __init__(self, recorder: AccessRecorder) -> None:
        self._recorder = recorder
        self._noted: dict[tuple[int, str], _Noted] = {}

    def note(
        self,
        person_id: int,
        group: DataGroup,
        access: Access,
        operation: str | None,
        where: Path | None = None,
    ) -> None:
        if access.is_self:
            return
        noted = self._noted.get((person_id, group.value))
        if noted is None:
            noted = self._noted[(person_id, group.value)] = _Noted(access.grounds, operation, [])
        noted.where.append(where)

    def settle(self, nulled: Collection[Position]) -> None:
        """Hands the reads whose data is in the response to the request's recorder: those with
        at least one place not under a position in `nulled`."""
        if None in nulled:
            self._noted.clear()
            return
        prefixes = [p for p in nulled if p is not None]
        for (person_id, group), noted in self._noted.items():
            if not prefixes or any(_left(where, prefixes) for where in noted.where):
                self._recorder.add(person_id, group, noted.grounds, noted.operation)
        self._noted.clear()


def _left(where: Path | None, nulled: Sequence[tuple[str | int, ...]]) -> bool:
    if where is None:
        return True
    path = tuple(where.as_list())
    return not any(path[: len(p)] == p for p in nulled)
