"""What one serving process builds (graph.serving)."""

import gc
from collections.abc import Iterator

import pytest

from graph.config import Settings
from graph.serving import AppSpec, build_app


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
