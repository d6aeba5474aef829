"""Per-request, per-caller fact loaders and the batched decision over many persons.

Only the facts the caller's role needs are fetched: a citizen's representation, an employer's
current employment, an agency's active consents. Each is one statement per batch of persons,
so deciding access never adds statements per person.
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from aiodataloader import DataLoader

from db.queries import authz
from db.session import Reader, Row
from graph.authz.policy import (
    Access,
    Consented,
    DataGroup,
    Facts,
    citizen_subject,
    decide,
    hidden_by_ministry,
)
from graph.authz.principal import Principal, Role


@dataclass
class FactLoaders:
    principal: Principal
    represented: DataLoader[int, bool]
    employed: DataLoader[int, int | None]
    consents: DataLoader[int, list[Row]]

    @classmethod
    def build(cls, db: Reader, principal: Principal) -> "FactLoaders":
        subject, org = principal.subject, principal.org or ""

        async def represented(keys: list[int]) -> list[bool]:
            return await authz.represented_among(db, keys, subject)

        async def employed(keys: list[int]) -> list[int | None]:
            return await authz.employed_among(db, keys, org)

        async def consents(keys: list[int]) -> list[list[Row]]:
            return await authz.active_consents_among(db, keys, org)

        return cls(principal, DataLoader(represented), DataLoader(employed), DataLoader(consents))

    def clear(self) -> None:
        """Forget cached facts: a write of this request (a hire) may have changed them."""
        for loader in (self.represented, self.employed, self.consents):
            loader.clear_all()

    async def facts(self, person: Row) -> Facts:
        role, person_id = self.principal.role, person["id"]
        if role is Role.CITIZEN and self.principal.subject != citizen_subject(person):
            return Facts(represented=await self.represented.load(person_id))
        if role is Role.EMPLOYER:
            return Facts(employer_id=await self.employed.load(person_id))
        if role is Role.PARTNER_AGENCY:
            rows = await self.consents.load(person_id)
            return Facts(
                consents=tuple(Consented(str(r["id"]), frozenset(r["data_groups"])) for r in rows)
            )
        return Facts()

    async def access(self, person: Row | None) -> Access | None:
        if person is None:
            return None
        return decide(self.principal, person, await self.facts(person))

    async def access_many(self, people: Sequence[Row | None]) -> list[Access | None]:
        return list(await asyncio.gather(*(self.access(p) for p in people)))

    async def hidden_by_ministry(self, person: Row | None, group: DataGroup) -> bool:
        """The caller may not read `group` of `person` only because a ministry keeps their book
        (policy.hidden_by_ministry)."""
        if person is None:
            return False
        return hidden_by_ministry(self.principal, person, await self.facts(person), group)
