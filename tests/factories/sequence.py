"""Unique numbers for identifiers within a test run."""

import itertools

_counter = itertools.count(1)


def next_int() -> int:
    return next(_counter)
