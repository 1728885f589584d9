"""Contract §4 profile routes (work in progress)."""

ROUTES = []
