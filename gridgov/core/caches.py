"""Every per-process cache registers how to forget itself, so that one call empties them all.

Used when the database underneath is replaced (a test flush and reseed, a restore): the caches
hold rows by primary key and must not outlive the rows.
"""

from collections.abc import Callable

_forgetters: list[Callable[[], None]] = []


def register(forget: Callable[[], None]) -> Callable[[], None]:
    _forgetters.append(forget)
    return forget


def forget_all() -> None:
    for forget in _forgetters:
        forget()
