"""Unit tests of pure functions: no server, no database, no Redis."""
import pytest


@pytest.fixture(autouse=True)
def clean_state():
    """Replaces the suite's per-test database and Redis clean-up: nothing here touches either."""
    yield
