"""Error pages in the site's look. The 500 and 503 pages render without
context processors or database access, since either may be what failed."""

import logging
import sys

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader

from config.resilience import DATABASE_UNAVAILABLE
from forum.actions import max_post_length

logger = logging.getLogger("hearth.resilience")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if exception and str(exception) else ""
    return render(request, "errors/403.html", {"reason": reason}, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_UNAVAILABLE):
        # Raised outside a view (a middleware loading the signed-in user).
        return service_unavailable(request, exception)
    template = loader.get_template("errors/500.html")
    return HttpResponse(template.render({}), status=500)


def bad_request(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    """400, or 413 for a request body too big to read (DATA_UPLOAD_MAX_MEMORY_SIZE
    is sized to the longest allowed post, so only a text far too long gets here:
    it is refused before it is parsed, with a message saying what to do)."""
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        return render(
            request,
            "errors/413.html",
            {"max_post_length": max_post_length()},
            status=413,
        )
    return render(request, "errors/400.html", status=400)


def service_unavailable(request: HttpRequest, exception: BaseException) -> HttpResponse:
    """503 with Retry-After for a database that can't be reached.

    Logged as one warning line; Django's own "Service Unavailable" log entry
    (with its traceback) is skipped, so an outage doesn't write a traceback
    per request.
    """
    detail = str(exception).strip().splitlines()
    logger.warning(
        "Database unavailable, 503 for %s %s: %s: %s",
        request.method,
        request.path,
        type(exception).__name__,
        detail[0] if detail else "",
    )
    retry_after = settings.SERVICE_UNAVAILABLE_RETRY_AFTER
    template = loader.get_template("errors/503.html")
    response = HttpResponse(template.render({"retry_after": retry_after}), status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response
