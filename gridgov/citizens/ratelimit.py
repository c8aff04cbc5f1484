"""Rate limits counted in the database (gunicorn runs several worker processes).

A request takes one hit in each of its buckets (e.g. "this phone" and "this address"), then counts
the hits in each bucket's windows. The hit is inserted *before* counting, in autocommit, so two
racing requests cannot both see themselves alone: at worst both are refused. A refused request
gives its hits back, so being refused does not prolong the wait. Call `take` outside any
`transaction.atomic` block, or racing requests would not see each other's hits.
"""

import math
from dataclasses import dataclass
from datetime import timedelta

from django.utils.crypto import salted_hmac

from gridgov.core import clock

from .models import RateLimitHit

KEEP_FOR = timedelta(days=1)  # longer than any window below; older hits are purged (scheduled.py)


@dataclass(frozen=True)
class Rule:
    """At most `limit` hits in any `seconds`-long window."""

    limit: int
    seconds: int


@dataclass(frozen=True)
class Bucket:
    name: str  # what is counted and per what, e.g. "code:phone"
    value: str  # whose, e.g. the phone number
    rules: tuple[Rule, ...]

    @property
    def key(self) -> str:
        return salted_hmac(
            "gridgov.citizens.ratelimit", f"{self.name}\x1f{self.value}", algorithm="sha256"
        ).hexdigest()


class RateLimited(Exception):
    """Too many requests; `retry_after` seconds until one more would be accepted."""

    def __init__(self, retry_after: int):
        self.retry_after = max(1, retry_after)
        super().__init__(wait_message(self.retry_after))


def wait_message(seconds: int) -> str:
    if seconds < 120:
        return f"操作过于频繁，请 {seconds} 秒后再试"
    return f"操作过于频繁，请 {math.ceil(seconds / 60)} 分钟后再试"


@dataclass
class Ticket:
    """The hits one request took; `give_back()` when the request should not count after all."""

    hit_ids: list[int]

    def give_back(self) -> None:
        if self.hit_ids:
            RateLimitHit.objects.filter(pk__in=self.hit_ids).delete()
            self.hit_ids = []


def take(*buckets: Bucket) -> Ticket:
    """Count one request in every bucket, or raise RateLimited (with nothing counted)."""
    now = clock.now()
    hits = RateLimitHit.objects.bulk_create([RateLimitHit(bucket=b.key, created_at=now) for b in buckets])
    ticket = Ticket([h.pk for h in hits])
    wait = 0
    for bucket, hit in zip(buckets, hits, strict=True):
        longest = max(rule.seconds for rule in bucket.rules)
        others = sorted(
            RateLimitHit.objects.filter(bucket=bucket.key, created_at__gt=now - timedelta(seconds=longest))
            .exclude(pk=hit.pk)
            .values_list("created_at", flat=True)
        )
        for rule in bucket.rules:
            in_window = [at for at in others if at > now - timedelta(seconds=rule.seconds)]
            if len(in_window) >= rule.limit:
                # Wait until enough of the earlier hits leave the window to leave room for this one.
                frees_up = in_window[len(in_window) - rule.limit] + timedelta(seconds=rule.seconds)
                wait = max(wait, math.ceil((frees_up - now).total_seconds()))
    if wait:
        ticket.give_back()
        raise RateLimited(wait)
    return ticket


def purge_old_hits() -> int:
    deleted, _ = RateLimitHit.objects.filter(created_at__lt=clock.now() - KEEP_FOR).delete()
    return deleted
