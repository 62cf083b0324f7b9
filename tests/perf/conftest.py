import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache (the per-process memory cache of the tests outlives a test's data)."""
    cache.clear()
    yield
    cache.clear()
