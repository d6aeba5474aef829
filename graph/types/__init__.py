"""GraphQL types by domain. Importing the package registers the enums' GraphQL descriptions."""

from graph.types import enums as _enums  # noqa: F401
