"""Collects, during a request, which data groups of whose data the caller read, and writes them
to the access log in one statement before the response leaves (no log, no data)."""

from dataclasses import dataclass, field

from db.queries import access_log
from db.session import Reader
from graph.authz.policy import Access, DataGroup
from graph.authz.principal import Principal


@dataclass
class AccessRecorder:
    principal: Principal | None
    request_id: str
    operation_names: set[str] = field(default_factory=set)
    _reads: dict[int, tuple[set[str], tuple[str, ...]]] = field(default_factory=dict)

    def note(self, person_id: int, group: DataGroup, access: Access, operation: str | None) -> None:
        """A guarded field of `group` was read; reads of one's own data are not logged."""
        if access.is_self:
            return
        groups, _ = self._reads.setdefault(person_id, (set(), access.grounds))
        groups.add(group.value)
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
