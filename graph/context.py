"""The per-request context every resolver receives."""

from dataclasses import dataclass

import strawberry

from db.session import Reader
from graph.authz.principal import Principal
from graph.errors import Unauthenticated
from graph.loaders import Loaders


@dataclass
class Context:
    request_id: str
    principal: Principal | None
    reader: Reader
    loaders: Loaders

    def require_principal(self) -> Principal:
        if self.principal is None:
            raise Unauthenticated("a bearer token is required (Authorization: Bearer <JWT>)")
        return self.principal


Info = strawberry.Info[Context, None]
