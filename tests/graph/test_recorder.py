"""An operation's reads are logged only where their data left in the response."""

from graphql.pyutils import Path

from graph.authz.policy import Access, DataGroup, Relation
from graph.authz.principal import Principal, Role
from graph.authz.recorder import AccessRecorder

_OFFICER = Access(Relation.MANAGED, frozenset(DataGroup), ("scope:identity",))
_SELF = Access(Relation.SELF, frozenset(DataGroup))


def _path(*keys: str | int) -> Path:
    path = None
    for key in keys:
        path = Path(path, key, None)
    assert path is not None
    return path


def _recorder() -> AccessRecorder:
    return AccessRecorder(Principal(role=Role.OFFICER, subject="o"), request_id="r")


def test_reads_under_a_nulled_position_are_dropped_the_others_kept() -> None:
    recorder = _recorder()
    reads = recorder.operation()
    reads.note(1, DataGroup.IDENTITY, _OFFICER, "Op", _path("a", "fullName"))
    reads.note(2, DataGroup.IDENTITY, _OFFICER, "Op", _path("b", 0, "fullName"))
    reads.note(2, DataGroup.CONTACT, _OFFICER, "Op", _path("b", 1, "contact"))
    reads.note(3, DataGroup.IDENTITY, _OFFICER, "Op", None)  # no position: always kept
    reads.settle({("a",), ("b", 1)})
    assert recorder._reads == {
        2: ({"IDENTITY"}, _OFFICER.grounds),
        3: ({"IDENTITY"}, _OFFICER.grounds),
    }
    assert recorder.operation_names == {"Op"}


def test_a_read_kept_where_one_of_its_places_survives() -> None:
    recorder = _recorder()
    reads = recorder.operation()
    reads.note(1, DataGroup.IDENTITY, _OFFICER, None, _path("a", "fullName"))
    reads.note(1, DataGroup.IDENTITY, _OFFICER, None, _path("b", "fullName"))
    reads.settle({("a",)})
    assert recorder.pending == 1


def test_nothing_is_logged_when_the_whole_data_is_nulled_nor_for_own_data() -> None:
    recorder = _recorder()
    reads = recorder.operation()
    reads.note(1, DataGroup.IDENTITY, _OFFICER, "Op", _path("a"))
    reads.settle({None})
    own = recorder.operation()
    own.note(2, DataGroup.IDENTITY, _SELF, "Op", _path("me"))
    own.settle(set())
    assert recorder.pending == 0
    assert recorder.operation_names == set()
