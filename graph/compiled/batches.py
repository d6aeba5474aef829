"""Batch forms of the hot async resolvers: one call per level instead of one per object."""

from graph.compiled.info import Batch

BATCHES: dict[tuple[str, str], Batch] = {}
