"""Per-request, per-caller fact loaders and the batched decision over many persons.

Only the facts the caller's role needs are fetched: an employer's current employment, an
agency's active consents, each one statement per batch of persons, so deciding access never
adds statements per person. A citizen's representation needs none: every person's row names
the subjects of their legal representative (db.queries.authz.legal_representative).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from aiodataloader import DataLoader

from db.queries import authz
from db.session import Reader, Row
from graph.authz.policy import (
    Access,
    Consented,
    DataGroup,
    Facts,
    Relation,
    citizen_subject,
    grant,
    hidden_by_ministry,
    relation,
)
from graph.authz.principal import Principal, Role

_NO_FACTS: Final = Facts()


@dataclass
class FactLoaders:
    principal: Principal
    employed: DataLoader[int, int | None]
    consents: DataLoader[int, list[Row]]
    _granted: dict[tuple[Relation | None, Facts], Access | None] = field(default_factory=dict)

    @classmethod
    def build(cls, db: Reader, principal: Principal) -> "FactLoaders":
        org = principal.org or ""

        async def employed(keys: list[int]) -> list[int | None]:
            return await authz.employed_among(db, keys, org)

        async def consents(keys: list[int]) -> list[list[Row]]:
            return await authz.active_consents_among(db, keys, org)

        return cls(principal, DataLoader(employed), DataLoader(consents))

    def clear(self) -> None:
        """Forget cached facts: a write of this request (a hire) may have changed them."""
        for loader in (self.employed, self.consents):
            loader.clear_all()
        self._granted.clear()

    async def facts(self, person: Row) -> Facts:
        return (await self.facts_many([person]))[0]

    async def facts_many(self, people: Sequence[Row]) -> list[Facts]:
        """Each person's facts: the role's look-up for all of them in one `load_many` (not a
        task per person; a role that needs none looks nothing up)."""
        role = self.principal.role
        if role is Role.CITIZEN:
            subject = self.principal.subject
            return [
                Facts(represented=subject in (p["legal_representative"] or ()))
                if subject != citizen_subject(p)
                else _NO_FACTS
                for p in people
            ]
        if role is Role.EMPLOYER:
            employers = await self.employed.load_many([p["id"] for p in people])
            return [Facts(employer_id=e) for e in employers]
        if role is Role.PARTNER_AGENCY:
            return [
                Facts(
                    consents=tuple(
                        Consented(str(r["id"]), frozenset(r["data_groups"])) for r in rows
                    )
                )
                for rows in await self.consents.load_many([p["id"] for p in people])
            ]
        return [_NO_FACTS] * len(people)

    async def access(self, person: Row | None) -> Access | None:
        return (await self.access_many([person]))[0]

    async def access_many(self, people: Sequence[Row | None]) -> list[Access | None]:
        present = [p for p in people if p is not None]
        facts = iter(await self.facts_many(present))
        return [None if p is None else self._decide(p, next(facts)) for p in people]

    def _decide(self, person: Row, facts: Facts) -> Access | None:
        """`decide`, its grant computed once per relation and facts: an officer's access is the
        same for every person they manage."""
        key = (relation(self.principal, person, facts), facts)
        if key not in self._granted:
            self._granted[key] = grant(self.principal, *key)
        return self._granted[key]

    async def hidden_many(self, people: Sequence[Row | None], group: DataGroup) -> list[bool]:
        """Whether the caller may not read `group` of each person only because a ministry keeps
        their book (policy.hidden_by_ministry)."""
        present = [p for p in people if p is not None]
        facts = iter(await self.facts_many(present))
        return [
            p is not None and hidden_by_ministry(self.principal, p, next(facts), group)
            for p in people
        ]
