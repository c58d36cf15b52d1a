"""Project middleware that sits at the entry layer (it renders error pages)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from config.errors import service_unavailable
from config.resilience import DATABASE_UNAVAILABLE


class DatabaseUnavailableMiddleware:
    """A view that can't reach the database answers 503, not 500.

    Errors raised by other middleware (loading the signed-in user, say) are
    turned into the same 503 by ``config.errors.server_error``. Either way the
    log gets one warning line per request, not a traceback.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if isinstance(exception, DATABASE_UNAVAILABLE):
            return service_unavailable(request, exception)
        return None
