"""A second federation subgraph for the gateway tests: a tiny population (residence) registry.

It owns `residence` (nơi ở hiện tại) and the `residents` list, extends our `Person` by its key
`identificationNumber`, and points at our `Employer` by `taxCode` without resolving it (the
workplace a resident declared). Data lives in memory: the test fills `Registry` with persons
it seeded in our database. Every request's Authorization header is recorded, so the test can
see that the gateway forwards it to both subgraphs.
"""

from dataclasses import dataclass, field
from typing import Any

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet
from strawberry.types import Info


@dataclass
class Resident:
    identification_number: str
    residence: str
    workplace_tax_code: str | None = None


@dataclass
class Registry:
    residents: dict[str, Resident] = field(default_factory=dict)
    authorizations: list[str | None] = field(default_factory=list)

    def add(self, resident: Resident) -> None:
        self.residents[resident.identification_number] = resident


# Our types' descriptions come from the insurance subgraph: none here, so composition has no hints.
@strawberry.federation.type(keys=[Key(fields=FieldSet("taxCode"), resolvable=False)])
class Employer:
    tax_code: str


@strawberry.federation.type(keys=["identificationNumber"])
class Person:
    identification_number: str
    residence: str | None = strawberry.field(
        default=None, description="Nơi ở hiện tại — current place of residence."
    )
    workplace: Employer | None = strawberry.field(
        default=None, description="Nơi làm việc — the employer the resident declared."
    )

    @classmethod
    def resolve_reference(
        cls,
        info: Info,
        identificationNumber: str,  # Strawberry passes the representation's keys as they are
    ) -> "Person | None":
        registry: Registry = info.context["registry"]
        resident = registry.residents.get(identificationNumber)
        return _person(resident) if resident else None


def _person(resident: Resident) -> Person:
    workplace = (
        Employer(tax_code=resident.workplace_tax_code) if resident.workplace_tax_code else None
    )
    return Person(
        identification_number=resident.identification_number,
        residence=resident.residence,
        workplace=workplace,
    )


@strawberry.type
class Query:
    @strawberry.field(description="Cư dân — registered residents, in registration order.")
    def residents(self, info: Info, first: int = 20) -> list[Person]:
        registry: Registry = info.context["registry"]
        return [_person(r) for r in list(registry.residents.values())[:first]]


schema = strawberry.federation.Schema(query=Query, federation_version="2.9")


class _View(GraphQL[dict[str, Any], None]):
    def __init__(self, registry: Registry) -> None:
        super().__init__(schema, graphql_ide=None)
        self.registry = registry

    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        return {"registry": self.registry}


class _Endpoint:
    """ASGI endpoint (not a request function) so Strawberry answers with its own responses."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.view = _View(registry)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.registry.authorizations.append(Request(scope).headers.get("authorization"))
        await self.view(scope, receive, send)


def create_app(registry: Registry) -> Starlette:
    return Starlette(routes=[Route("/graphql", _Endpoint(registry), methods=["GET", "POST"])])


def sdl() -> str:
    return schema.as_str()
