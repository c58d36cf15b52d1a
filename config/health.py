"""`GET /healthz`: are the services this process depends on answering?"""

from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database_ok() -> tuple[bool, str]:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return False, str(exc).strip().splitlines()[0] if str(exc).strip() else "error"
    return True, "ok"


def _redis_ok(url: str) -> tuple[bool, str]:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
    except redis.RedisError as exc:
        return False, str(exc)
    finally:
        if "client" in locals():
            client.close()
    return True, "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when every configured service answers; 503 naming what is down."""
    checks = {"database": _database_ok()}
    if settings.REDIS_URL:
        checks["redis"] = _redis_ok(settings.REDIS_URL)
    down = sorted(name for name, (ok, _detail) in checks.items() if not ok)
    body = {
        "status": "ok" if not down else "down",
        "down": down,
        "checks": {name: detail for name, (ok, detail) in checks.items()},
    }
    return JsonResponse(body, status=503 if down else 200)


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
