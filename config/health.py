"""`GET /healthz`: are the services this process depends on answering?

``database`` is required: without it the site serves only cached anonymous
pages, so the answer is 503 and a load balancer should stop sending traffic.
``cache`` and ``broker`` (Redis) are not: without them pages render from the
database and events wait in the outbox, so the answer stays 200 with
``"status": "degraded"`` naming them, and the web processes stay in rotation.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import Error, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config import db_router

REQUIRED = frozenset({"database"})


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _database_ok() -> tuple[bool, str]:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Error as exc:  # InterfaceError is not a DatabaseError
        return False, _first_line(exc)
    return True, "ok"


def _cache_ok() -> tuple[bool, str]:
    cache = caches["default"]
    ping = getattr(cache, "ping", None)
    if ping is None:  # local memory: nothing to reach
        return True, "ok"
    return (True, "ok") if ping() else (False, "unreachable")


def _redis_ok(url: str) -> tuple[bool, str]:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        return False, _first_line(exc)
    finally:
        client.close()
    return True, "ok"


def checks(
    replicas: dict[str, dict[str, Any]] | None = None,
) -> dict[str, tuple[bool, str]]:
    result = {"database": _database_ok()}
    for alias, found in (replicas or {}).items():
        result[alias] = (found["ok"], found["detail"])
    if settings.CACHE_URL:
        result["cache"] = _cache_ok()
    broker = settings.CELERY_BROKER_URL
    if not settings.CELERY_TASK_ALWAYS_EAGER and broker.startswith(
        ("redis://", "rediss://")
    ):
        result["broker"] = _redis_ok(broker)
    return result


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers ("degraded" if Redis doesn't), 503 when not."""
    replicas = db_router.replica_report()
    found = checks(replicas)
    down = sorted(name for name, (ok, _detail) in found.items() if not ok)
    failing = REQUIRED.intersection(down)
    body: dict[str, Any] = {
        "status": "down" if failing else "degraded" if down else "ok",
        "down": down,
        "checks": {name: detail for name, (ok, detail) in found.items()},
    }
    if replicas:
        body["replica_lag_seconds"] = {
            alias: found["lag_seconds"] for alias, found in replicas.items()
        }
    return JsonResponse(body, status=503 if failing else 200)


class HealthCheckMiddleware:
    """Answer /healthz before host validation, so load balancers and the
    container HEALTHCHECK can probe by IP address without being in
    ALLOWED_HOSTS."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz" and request.method in ("GET", "HEAD"):
            return healthz(request)
        return self.get_response(request)
