"""The warm-up reads every load person, whatever their number, in full batches."""

from bench.sidebyside.verify import batches


def test_every_person_in_full_batches() -> None:
    persons = [f"p{i}" for i in range(7)]
    assert batches(persons, 5) == [["p0", "p1", "p2", "p3", "p4"], ["p5", "p6", "p0", "p1", "p2"]]
    assert batches(persons[:2], 5) == [["p0", "p1", "p0", "p1", "p0"]]
    assert batches(persons, 1) == [[p] for p in persons]
    assert batches([], 50) == []
