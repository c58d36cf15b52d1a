"""Read replicas: which database a query goes to.

With ``DATABASE_REPLICA_URLS`` set, the settings add one alias per replica
(``replica1``, ``replica2``, …) and this module sends the reads of page
requests to a healthy one. Everything else stays on the primary
(``default``):

* requests that are not GET or HEAD (every write, every action);
* ``/admin/``;
* a browser that wrote something in the last ``REPLICA_STICKY_SECONDS``
  (read-your-own-writes): every write request sets a short-lived cookie,
  which both web nodes see, and while it lives the browser reads from the
  primary;
* every query inside a transaction (``atomic``), so a read that decides a
  write never sees an older copy, and every read after a request's first
  write (a GET that records a read position may read it back);
* Celery tasks and management commands (no request: nothing routes them);
* any request while the replica has not yet replayed the last change that
  invalidated the page cache: ``forum.cache`` records the primary's WAL
  position (the *fence*) in the cache before each bump, so nothing is
  rendered from older data and cached under the new generation (pages,
  post fragments), on any node.

A replica is used only while it answers and lags at most
``REPLICA_MAX_LAG_SECONDS``. The check is one query on the replica
(``pg_last_xact_replay_timestamp()``) per process every ``CHECK_SECONDS``;
a replica that fails is skipped for ``RETRY_DOWN_SECONDS``. A replica that
fails in the middle of a request answers nothing to the user: the request
(a GET) is served again from the primary.

Without replicas the router answers nothing and the middleware returns at
once: every query goes to ``default``, as it always did.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, Error, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("hearth.replicas")

STICKY_COOKIE = "hearth_primary"
SAFE_METHODS = frozenset({"GET", "HEAD"})
# Paths whose reads always go to the primary.
PRIMARY_PATHS = ("/admin/",)
FENCE_KEY = "replica:fence"
# Sets the fence only if it moves it forward (two processes may bump at once).
_RAISE_FENCE = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1]) end
"""
CHECK_SECONDS = 2.0
RETRY_DOWN_SECONDS = 10.0

# The replica alias the current request reads from; None means the primary.
_route: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "hearth_replica_route", default=None
)

_LAG_SQL = """
SELECT pg_is_in_recovery(),
       CASE WHEN NOT pg_is_in_recovery()
                 OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
       END,
       pg_last_wal_replay_lsn()::text
"""


def replica_aliases() -> list[str]:
    return list(getattr(settings, "REPLICA_DATABASE_ALIASES", []))


def enabled() -> bool:
    return bool(replica_aliases())


def lsn_to_int(lsn: str | None) -> int:
    """'16/B374D848' -> an integer that orders like the WAL position."""
    if not lsn:
        return 0
    high, _, low = lsn.partition("/")
    return (int(high, 16) << 32) | int(low or "0", 16)


@dataclass
class ReplicaState:
    checked_at: float = float("-inf")
    ok: bool = False
    lag: float | None = None
    replayed: int = 0  # the replay position last seen (0: not a standby)
    standby: bool = True
    detail: str = "not checked"


_states: dict[str, ReplicaState] = {}
_lock = threading.Lock()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _close_quietly(alias: str) -> None:
    with contextlib.suppress(Error):
        connections[alias].close()


def probe(alias: str) -> ReplicaState:
    """Ask *alias* for its lag now (one query) and remember the answer."""
    state = ReplicaState(checked_at=time.monotonic())
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(_LAG_SQL)
            in_recovery, lag, replayed = cursor.fetchone()
    except Error as exc:
        _close_quietly(alias)
        state.ok, state.detail = False, _first_line(exc)
        logger.warning("Replica %s unavailable: %s", alias, state.detail)
    else:
        state.lag = float(lag)
        state.standby = bool(in_recovery)
        state.replayed = lsn_to_int(replayed)
        limit = settings.REPLICA_MAX_LAG_SECONDS
        state.ok = state.lag <= limit
        state.detail = "ok" if state.ok else f"lagging {state.lag:.1f} s > {limit} s"
    with _lock:
        _states[alias] = state
    return state


def mark_down(alias: str, detail: str) -> None:
    _close_quietly(alias)
    with _lock:
        _states[alias] = ReplicaState(
            checked_at=time.monotonic(), ok=False, detail=detail
        )


def _current(alias: str) -> ReplicaState:
    with _lock:
        state = _states.get(alias)
    now = time.monotonic()
    if state is not None:
        fresh_for = CHECK_SECONDS if state.ok else RETRY_DOWN_SECONDS
        if now - state.checked_at < fresh_for:
            return state
    return probe(alias)


def healthy_replica() -> str | None:
    """A replica that answers, lags little enough (checked, cached) and has
    replayed the last change that invalidated the page cache, or None."""
    aliases = replica_aliases()
    random.shuffle(aliases)  # spread the reads over several replicas
    fence = current_fence()
    for alias in aliases:
        if _current(alias).ok and replayed(alias, fence):
            return alias
    return None


def reset_states() -> None:
    """Forget every check (tests)."""
    with _lock:
        _states.clear()


def replayed(alias: str, fence: int) -> bool:
    """Has *alias* replayed the WAL up to *fence*? (cached; one query if not known)"""
    if fence <= 0:
        return True
    with _lock:
        state = _states.get(alias)
    if state is not None and (not state.standby or state.replayed >= fence):
        return True
    state = probe(alias)
    return state.ok and (not state.standby or state.replayed >= fence)


def current_fence() -> int:
    try:
        return int(cache.get(FENCE_KEY) or 0)
    except Exception:  # a cache outage: nothing is cached either
        return 0


def record_fence() -> None:
    """Raise the fence to the primary's WAL position (forum.cache, before a bump)."""
    position = primary_wal_position()
    if not position:
        return
    try:
        backend: Any = cache
        client_of = getattr(getattr(backend, "_cache", None), "get_client", None)
        if client_of is not None:  # Redis: atomic
            key = backend.make_and_validate_key(FENCE_KEY)
            client_of(key, write=True).eval(_RAISE_FENCE, 1, key, position)
        elif position > current_fence():
            cache.set(FENCE_KEY, position, timeout=None)
    except Exception:  # Redis down: the bump that follows fails too
        logger.warning("Could not record the replica fence.")


def primary_wal_position() -> int:
    """The primary's current WAL position (0 without replicas or on error)."""
    if not enabled():
        return 0
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            (lsn,) = cursor.fetchone()
    except Error:
        return 0
    return lsn_to_int(lsn)


class ReplicaRouter:
    """Django database router: reads follow the request's route, writes
    and migrations go to the primary."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        alias = _route.get()
        if alias is None:
            return None  # the primary, as without a router
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        if not enabled():
            return None
        # A GET that writes (a read position, a last-seen time) reads the
        # rest of the request from the primary: it may read back what it wrote.
        _route.set(None)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # Every alias holds the same data: objects read from a replica may be
        # related to (and saved on) the primary.
        return True if enabled() else None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return None if db == DEFAULT_DB_ALIAS else False


def _reads_from_replica(request: HttpRequest) -> bool:
    return (
        request.method in SAFE_METHODS
        and STICKY_COOKIE not in request.COOKIES
        and not request.path.startswith(PRIMARY_PATHS)
    )


def set_sticky_cookie(response: HttpResponse) -> None:
    response.set_cookie(
        STICKY_COOKIE,
        "1",
        max_age=settings.REPLICA_STICKY_SECONDS,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


class ReplicaRoutingMiddleware:
    """Chooses the database a request reads from (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not enabled():
            return self.get_response(request)
        if request.method not in SAFE_METHODS:
            token = _route.set(None)
            try:
                response = self.get_response(request)
            finally:
                _route.reset(token)
            if settings.REPLICA_STICKY_SECONDS > 0:
                set_sticky_cookie(response)
            return response
        alias = healthy_replica() if _reads_from_replica(request) else None
        token = _route.set(alias)
        try:
            response = self.get_response(request)
            if alias is not None and response.status_code == 503:
                response = self._again_if_replica_failed(request, alias, response)
        finally:
            _route.reset(token)
        return response

    def _again_if_replica_failed(
        self, request: HttpRequest, alias: str, response: HttpResponse
    ) -> HttpResponse:
        """A database error became a 503: if the replica is the one that
        failed, serve the (safe) request again from the primary."""
        if probe(alias).ok:
            return response  # the primary is the one in trouble
        _route.set(None)
        logger.warning("Replica %s failed mid-request; served from the primary", alias)
        return self.get_response(request)


def replica_report() -> dict[str, dict[str, Any]]:
    """For /healthz: each replica's lag, checked now."""
    report = {}
    for alias in replica_aliases():
        state = probe(alias)
        report[alias] = {
            "ok": state.ok,
            "lag_seconds": None if state.lag is None else round(state.lag, 3),
            "detail": state.detail,
        }
    return report
