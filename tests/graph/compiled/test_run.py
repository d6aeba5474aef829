"""The plan's run against Strawberry's executor on a small schema of its own, no database: fields
that raise, return an error, return null where they may not, or a value their type refuses,
alone, in lists and under nullable and non-null parents: the same data and the same errors."""

from datetime import date
from enum import Enum
from typing import Any

import strawberry
from strawberry.permission import BasePermission

from graph.compiled.executor import OrderedExecutor, compiled_executor


@strawberry.enum
class Colour(Enum):
    RED = "red"
    GREEN = "green"


class Odd(BasePermission):
    message = "odd items only"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return bool(source.n % 2)


class Unsure(BasePermission):
    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        if source.n == 2:
            raise ValueError("cannot tell")
        return True


ODD: list[type[BasePermission]] = [Odd]
UNSURE_THEN_ODD: list[type[BasePermission]] = [Unsure, Odd]


@strawberry.type
class Item:
    n: int
    name: str
    colour: Colour
    when: date

    @strawberry.field
    def broken(self) -> str | None:
        if self.n == 1:
            raise ValueError(f"broken {self.n}")
        return f"fine {self.n}"

    @strawberry.field
    def returned(self) -> str | None:
        return ValueError("returned") if self.n == 2 else None  # type: ignore[return-value]

    @strawberry.field
    def missing(self) -> str:
        return None if self.n == 0 else "here"  # type: ignore[return-value]

    @strawberry.field
    def big(self) -> int | None:
        return 2**40 if self.n == 1 else self.n

    @strawberry.field
    def wrong_colour(self) -> Colour | None:
        return "purple" if self.n == 2 else Colour.GREEN  # type: ignore[return-value]

    @strawberry.field
    def month(self) -> date:
        return self.when

    @strawberry.field
    def tags(self) -> list[str | None]:
        return ["a", None, "c"] if self.n else ["z"]

    @strawberry.field
    def strict_tags(self) -> list[str]:
        return ["a", None] if self.n == 2 else ["b"]  # type: ignore[list-item]

    @strawberry.field(permission_classes=ODD)
    def odd_name(self) -> str | None:
        return self.name

    @strawberry.field(permission_classes=ODD)
    def odd_strict(self) -> str:
        return self.name

    @strawberry.field(permission_classes=UNSURE_THEN_ODD)
    def unsure(self) -> str | None:
        return self.name

    @strawberry.field(permission_classes=ODD)
    def odd_tags(self) -> list[str] | None:
        return ["x", self.name]

    @strawberry.field
    def child(self) -> "Item | None":
        return (
            Item(n=self.n + 1, name="child", colour=Colour.RED, when=self.when)
            if self.n < 2
            else None
        )


def _items() -> list[Item]:
    return [
        Item(n=n, name=f"item {n}", colour=Colour.RED, when=date(2024, n + 1, 1)) for n in range(3)
    ]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return _items()

    @strawberry.field
    def maybe_items(self) -> list[Item | None] | None:
        return [*_items(), None]


_FIELDS = "n name colour when broken returned big wrongColour month tags"


async def _both(query: str) -> tuple[dict[str, Any], dict[str, Any]]:
    answers = []
    compiled = compiled_executor()
    for executor in (compiled, OrderedExecutor):
        schema = strawberry.Schema(query=Query, execution_context_class=executor)
        result = await schema.execute(query)
        answers.append(
            {
                "data": result.data,
                "errors": [(e.message, e.path) for e in result.errors or []],
            }
        )
        if executor is not OrderedExecutor:
            assert compiled.plans.compiled == 1  # the plan ran
    return answers[0], answers[1]


async def test_leaves_and_their_errors() -> None:
    compiled, strawberry_ = await _both(f"{{ maybeItems {{ {_FIELDS} child {{ {_FIELDS} }} }} }}")
    assert compiled == strawberry_
    assert compiled["errors"]
    assert compiled["data"]["maybeItems"][0]["month"] == "2024-01-01"


async def test_non_null_errors_null_their_parents() -> None:
    for query in (
        f"{{ items {{ {_FIELDS} missing }} }}",
        f"{{ maybeItems {{ {_FIELDS} missing }} }}",
        "{ maybeItems { n strictTags child { strictTags missing } } }",
        "{ maybeItems { n child { n child { n missing } } missing } }",
    ):
        compiled, strawberry_ = await _both(query)
        assert compiled == strawberry_, query
        assert compiled["errors"], query


async def test_permissions_refuse_and_fail_as_strawberry_does() -> None:
    for query in (
        "{ maybeItems { n oddName unsure oddTags child { n oddName unsure oddTags } } }",
        "{ maybeItems { n oddName oddStrict } }",
        "{ items { n child { oddStrict } } }",
    ):
        compiled, strawberry_ = await _both(query)
        assert compiled == strawberry_, query
        assert compiled["errors"], query
