"""The request's loader set builds each loader on first use, once, and knows every relation."""

from typing import Any, cast

import pytest

from db.session import Reader
from graph.authz.policy import ListScope
from graph.loaders import _BUILDERS, Loaders


def test_every_declared_loader_has_a_builder() -> None:
    assert set(_BUILDERS) == set(Loaders.__annotations__)


async def test_loaders_are_built_on_first_use_once() -> None:
    loaders = Loaders.build(cast(Reader, object()), scope=ListScope())
    assert not any(name in vars(loaders) for name in _BUILDERS)
    first = loaders.cards
    assert loaders.cards is first
    assert loaders.employees is not first
    assert {name for name in _BUILDERS if name in vars(loaders)} == {"cards", "employees"}
    with pytest.raises(AttributeError):
        cast(Any, loaders).no_such_relation  # noqa: B018


async def test_clear_forgets_the_rows_of_the_built_loaders() -> None:
    loaders = Loaders.build(cast(Reader, object()), scope=ListScope())
    loaders.household.prime(1, {"id": 1})
    loaders.clear()
    assert 1 not in loaders.household._cache
    assert "relatives" not in vars(loaders)  # clearing builds nothing
