"""The time services act at. Normally the real time; `at(moment)` makes this thread act at
another moment, which is how the demo builds a month of history through the real services.
"""

import threading
from contextlib import contextmanager
from datetime import datetime

from django.utils import timezone

_local = threading.local()


def now() -> datetime:
    return getattr(_local, "moment", None) or timezone.now()


@contextmanager
def at(moment: datetime):
    if moment.tzinfo is None:
        raise ValueError("clock.at needs an aware datetime")
    previous = getattr(_local, "moment", None)
    _local.moment = moment
    try:
        yield moment
    finally:
        _local.moment = previous
