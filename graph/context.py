"""The per-request context every resolver receives."""

from dataclasses import dataclass

import strawberry

from db.session import Reader
from graph.authz.facts import FactLoaders
from graph.authz.principal import Principal
from graph.authz.recorder import AccessRecorder, OperationReads
from graph.errors import Unauthenticated
from graph.loaders import Loaders


@dataclass
class Context:
    request_id: str
    principal: Principal | None
    reader: Reader
    loaders: Loaders
    recorder: AccessRecorder | OperationReads
    """The request's AccessRecorder; during an operation, that operation's OperationReads (the
    executors of graph.compiled put it there)."""
    facts: FactLoaders | None

    def require_principal(self) -> Principal:
        if self.principal is None:
            raise Unauthenticated("a bearer token is required (Authorization: Bearer <JWT>)")
        return self.principal

    def require_facts(self) -> FactLoaders:
        self.require_principal()
        assert self.facts is not None  # built whenever there is a principal
        return self.facts


Info = strawberry.Info[Context, None]
