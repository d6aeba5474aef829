"""Factories per domain: each inserts one valid row (every CHECK holds) and returns it."""
