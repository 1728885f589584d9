"""Contract §4 house routes (work in progress)."""

ROUTES = []
