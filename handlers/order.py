"""Contract §4 order routes (work in progress)."""

ROUTES = []
