"""Keep serving when Redis or PostgreSQL fails.

``ResilientRedisCache`` is Django's Redis cache backend with one difference:
when Redis can't be reached it answers as Django's DummyCache does (reads are
misses, writes do nothing, ``add`` succeeds), so every page still renders
(from the database), sessions fall back to the database (``cached_db``) and
allauth's rate limits stop counting. A small circuit
breaker per process keeps requests from paying a connection attempt each
while Redis is down: after a connection error the cache is skipped for
``RETRY_SECONDS``, then one call tries again. The outage is logged once when
it starts and once when it ends, not per request.

Writes lost during an outage would leave Redis holding what the database no
longer says when it comes back with its data (a session signed out, a page
cached before a reply): the keys this process failed to write or delete are
remembered (up to ``MAX_DIRTY_KEYS``) and deleted on reconnection, and the
callbacks registered with ``on_reconnect`` run (``forum.cache`` bumps the page
generation there).

``config.middleware.DatabaseUnavailableMiddleware`` turns a database that can't be reached into
a ``503 Service Unavailable`` with ``Retry-After`` and the site's error page
(see ``config.errors.service_unavailable``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, cast

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import InterfaceError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("hearth.resilience")

# Errors that mean "Redis is not there", as opposed to a refused command.
_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
_reconnect_callbacks: list[Callable[[], None]] = []


def on_reconnect(callback: Callable[[], None]) -> None:
    """Run *callback* (once per process) each time the cache comes back."""
    if callback not in _reconnect_callbacks:
        _reconnect_callbacks.append(callback)


class _OneClientPerPool(RedisCacheClient):
    """Django's RedisCacheClient builds a new ``redis.Redis`` for every
    operation, and each one fills a table of about 170 response callbacks: a
    fifth of a millisecond per call, four calls on a signed-in page. One
    client per connection pool does the same work (redis-py's clients are
    thread-safe; the pool hands out the connections)."""

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = cast(Any, self)._get_connection_pool(write)
        clients: dict[int, Any] = self.__dict__.setdefault("_hearth_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = cast(Any, self)._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """RedisCache whose outages are cache misses and no-op writes.

    OPTIONS, besides what redis-py's connection pool takes
    (``socket_connect_timeout``, ``socket_timeout``, …):

    * ``RETRY_SECONDS`` (default 2): how long the cache is skipped after a
      connection error;
    * ``MAX_DIRTY_KEYS`` (default 10000): how many failed writes are
      remembered to be deleted on reconnection.
    """

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = dict(params)
        options = dict(params.get("OPTIONS", {}))
        self.retry_seconds = float(options.pop("RETRY_SECONDS", 2))
        self.max_dirty_keys = int(options.pop("MAX_DIRTY_KEYS", 10000))
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._class = _OneClientPerPool
        self._lock = threading.Lock()
        self._down_until = 0.0  # monotonic; 0 while Redis answers
        self._down_since = 0.0
        self._dirty: set[str] = set()
        self._dirty_overflow = False

    def _client(self) -> Any:
        """Django's RedisCacheClient (untyped in django-stubs)."""
        return cast(Any, self)._cache

    # --- The breaker ------------------------------------------------------------------

    @property
    def is_down(self) -> bool:
        """True while this process considers Redis unreachable."""
        return self._down_since > 0

    def _skip(self) -> bool:
        return self._down_until > time.monotonic()

    def _failed(self, exc: BaseException) -> None:
        with self._lock:
            now = time.monotonic()
            first = self._down_since == 0
            if first:
                self._down_since = now
            self._down_until = now + self.retry_seconds
        if first:
            logger.warning(
                "Cache unreachable (%s); serving without it until it answers.",
                str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
            )

    def _succeeded(self) -> None:
        if not self._down_since:
            return
        with self._lock:
            if not self._down_since:
                return
            seconds = time.monotonic() - self._down_since
            self._down_since = 0.0
            self._down_until = 0.0
            dirty, self._dirty = self._dirty, set()
            overflow, self._dirty_overflow = self._dirty_overflow, False
        logger.warning("Cache reachable again after %.0f s.", seconds)
        self._forget(dirty, overflow)
        for callback in list(_reconnect_callbacks):
            try:
                callback()
            except Exception:
                logger.exception("Cache reconnection callback %r failed.", callback)

    def _forget(self, keys: set[str], overflow: bool) -> None:
        """Delete what this process failed to write or delete while Redis was down."""
        if overflow:
            logger.warning(
                "More than %s cache writes were lost during the outage; entries "
                "written before it may be served until they expire.",
                self.max_dirty_keys,
            )
        if not keys:
            return
        try:
            self._client().delete_many(list(keys))
        except RedisError as exc:  # gone again: undo them at the next reconnection
            self._failed(exc)
            self._remember(keys)

    def _remember(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                if len(self._dirty) >= self.max_dirty_keys:
                    self._dirty_overflow = True
                    return
                self._dirty.add(key)

    def _call(
        self,
        operation: Callable[[], Any],
        fallback: Any,
        dirty: Iterable[str] = (),
    ) -> Any:
        """Run *operation* against Redis; *fallback* when it can't be reached."""
        if self._skip():
            self._remember(dirty)
            return fallback
        try:
            result = operation()
        except _UNREACHABLE as exc:
            self._failed(exc)
            self._remember(dirty)
            return fallback
        except RedisError as exc:
            # Redis answered but refused (out of memory, read-only replica):
            # this call misses, the next ones try again. Not an outage, so
            # there is no reconnection to undo the write at.
            logger.warning("Cache refused a command: %s", exc)
            return fallback
        self._succeeded()
        return result

    # --- The cache API ------------------------------------------------------------------

    def ping(self) -> bool:
        """Ask Redis directly, breaker or not (for /healthz)."""
        try:
            client = self._client().get_client(None, write=False)
            client.ping()
        except RedisError as exc:
            self._failed(exc)
            return False
        self._succeeded()
        return True

    def add(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        full = self.make_and_validate_key(key, version=version)
        # True, as Django's DummyCache answers: allauth's rate limits take a
        # lock with add() and would refuse every sign-in if it failed.
        return self._call(
            lambda: super(ResilientRedisCache, self).add(key, value, timeout, version),
            True,
            [full],
        )

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._call(
            lambda: super(ResilientRedisCache, self).get(key, default, version),
            default,
        )

    def set(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> None:
        full = self.make_and_validate_key(key, version=version)
        self._call(
            lambda: super(ResilientRedisCache, self).set(key, value, timeout, version),
            None,
            [full],
        )

    def touch(
        self,
        key: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        return self._call(
            lambda: super(ResilientRedisCache, self).touch(key, timeout, version),
            False,
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        full = self.make_and_validate_key(key, version=version)
        return self._call(
            lambda: super(ResilientRedisCache, self).delete(key, version),
            False,
            [full],
        )

    def get_many(
        self, keys: Iterable[Any], version: int | None = None
    ) -> dict[Any, Any]:
        keys = list(keys)
        return self._call(
            lambda: super(ResilientRedisCache, self).get_many(keys, version), {}
        )

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._call(
            lambda: super(ResilientRedisCache, self).has_key(key, version), False
        )

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        # A counter that could not be counted is not remembered as dirty:
        # deleting it on reconnection would send it back to its start
        # (forum.cache bumps its generation on reconnection instead).
        return self._call(
            lambda: super(ResilientRedisCache, self).incr(key, delta, version), 0
        )

    def set_many(
        self,
        data: dict[Any, Any],
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> list[Any]:
        full = [self.make_and_validate_key(key, version=version) for key in data]
        return self._call(
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
            [],
            full,
        )

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        keys = list(keys)
        full = [self.make_and_validate_key(key, version=version) for key in keys]
        self._call(
            lambda: super(ResilientRedisCache, self).delete_many(keys, version),
            None,
            full,
        )

    def clear(self) -> None:
        self._call(lambda: super(ResilientRedisCache, self).clear(), None)


# --- PostgreSQL -------------------------------------------------------------------------

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
