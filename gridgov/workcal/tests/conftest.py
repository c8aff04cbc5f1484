import pytest

from gridgov.workcal.calendar import invalidate_cache


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    """Each test starts and ends with an empty cache.

    Test transactions are rolled back, so rows a test changed must not outlive it in the process cache.
    """
    invalidate_cache()
    yield
    invalidate_cache()
