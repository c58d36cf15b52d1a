"""Fixed-window counters in the cache: the one rate-limit mechanism.

Used by the composer's @ lookups (accounts.mentions) and the read API
(api.auth). A window is ``window`` seconds long; ``hit`` counts one request
and says whether it is within ``limit``, and if not, how many seconds until
the window ends (the Retry-After). A cache outage lets requests through
(config.resilience turns it into a miss): refusing everyone would be worse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone


@dataclass(frozen=True)
class Hit:
    allowed: bool
    count: int
    retry_after: int  # seconds until the window ends (0 when allowed)


def hit(key: str, limit: int, *, window: int = 60, now: datetime | None = None) -> Hit:
    """Count one request against *key*'s allowance of *limit* per *window*."""
    seconds = int((now or timezone.now()).timestamp())
    slot = seconds // window
    full_key = f"ratelimit:{key}:{slot}"
    cache.add(full_key, 0, timeout=window * 2)
    try:
        count = cache.incr(full_key)
    except ValueError:  # expired between add and incr
        cache.set(full_key, 1, timeout=window * 2)
        count = 1
    if count <= limit:
        return Hit(allowed=True, count=count, retry_after=0)
    return Hit(allowed=False, count=count, retry_after=(slot + 1) * window - seconds)
