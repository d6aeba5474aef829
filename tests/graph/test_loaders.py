"""The request's loader set builds each loader on first use, once, and knows every relation."""

import gc
import weakref
from typing import Any, cast

import psycopg
import pytest

from db.session import Reader
from graph.authz.policy import ListScope
from graph.loaders import _BUILDERS, Loaders
from tests.factories.book import book
from tests.graph.conftest import Api
from tests.graph.operations import PERSON
from tests.graph.test_ebook import EVERY_SCOPE


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


async def test_a_requests_loaders_and_rows_go_without_the_collector(
    api: Api, conn: psycopg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A loader that primes another names the loader set: a cycle holding every row the request
    read, which only the collector would free (its full passes were ~30 ms pauses under load).
    The request's end breaks it: with the collector off, its loaders are gone after it."""
    b = book(conn, periods=3)
    seen: list[weakref.ref[Any]] = []
    for name, build in _BUILDERS.items():

        def recording(loaders: Loaders, build: Any = build) -> Any:
            loader = build(loaders)
            seen.append(weakref.ref(loader))
            return loader

        monkeypatch.setitem(_BUILDERS, name, recording)
    gc.collect()
    gc.disable()
    try:
        data = await api.query(
            PERSON, api.officer(EVERY_SCOPE), {"id": b.person["identification_number"]}
        )
        assert "errors" not in data and data["data"]["person"]["socialInsurance"]
        assert len(seen) > 5
        assert [ref for ref in seen if ref() is not None] == []
    finally:
        gc.enable()
