"""What one serving process builds (graph.serving)."""

import gc
from collections.abc import Iterator

import psycopg
import pytest

from graph.config import Settings
from graph.serving import YOUNG_COLLECTION_THRESHOLD, AppSpec, build_app
from tests.factories.book import book
from tests.graph.conftest import Api
from tests.graph.operations import PERSON
from tests.graph.test_ebook import EVERY_SCOPE


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the test process's heap goes back to the collector


def test_a_serving_process_freezes_what_lives_as_long_as_it(unfrozen: None) -> None:
    """Full collections walk only what requests leave behind, not the schema and the app."""
    spec = AppSpec(Settings.from_env({"BHXH_ENV": "dev"}), "host=127.0.0.1 dbname=unused")
    app = build_app(spec)
    assert gc.get_freeze_count() > 0
    collectable = {id(o) for o in gc.get_objects()}
    assert id(app) not in collectable
    assert id(app.state.schema) not in collectable


def test_a_serving_process_collects_young_objects_past_a_books_peak(unfrozen: None) -> None:
    spec = AppSpec(Settings.from_env({"BHXH_ENV": "dev"}), "host=127.0.0.1 dbname=unused")
    before = gc.get_threshold()
    try:
        build_app(spec)
        assert gc.get_threshold() == (YOUNG_COLLECTION_THRESHOLD, *before[1:])
    finally:
        gc.set_threshold(*before)


async def test_a_book_does_not_trip_the_young_collection(
    api: Api, conn: psycopg.Connection
) -> None:
    """What the threshold is for: a whole e-book's objects, alive until its request ends, stay
    under it, so the collector never walks a request's live objects in its middle. (At Python's
    default, 700, this request triggers young collections.)"""
    b = book(conn, periods=60, cards=6, visits=6)
    token, variables = api.officer(EVERY_SCOPE), {"id": b.person["identification_number"]}
    assert "errors" not in await api.query(PERSON, token, variables)  # warm: plan, caches
    collections: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    before = gc.get_threshold()
    gc.callbacks.append(count)
    try:
        for threshold, expected in ((700, True), (YOUNG_COLLECTION_THRESHOLD, False)):
            gc.set_threshold(threshold, *before[1:])
            gc.collect()
            collections.clear()
            data = await api.query(PERSON, token, variables)
            assert "errors" not in data and data["data"]["person"]["socialInsurance"]
            assert bool(collections) is expected, (threshold, collections)
    finally:
        gc.callbacks.remove(count)
        gc.set_threshold(*before)
