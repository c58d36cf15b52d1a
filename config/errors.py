"""Error pages in the site's look. The 500 page renders without context
processors or database access, since either may be what failed."""

from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if exception and str(exception) else ""
    return render(request, "errors/403.html", {"reason": reason}, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    template = loader.get_template("errors/500.html")
    return HttpResponse(template.render({}), status=500)


def bad_request(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    """400, or 413 for a request body too big to read (DATA_UPLOAD_MAX_MEMORY_SIZE
    is sized to the longest allowed post, so only a text far too long gets here:
    it is refused before it is parsed, with a message saying what to do)."""
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        from forum.actions import max_post_length

        return render(
            request,
            "errors/413.html",
            {"max_post_length": max_post_length()},
            status=413,
        )
    return render(request, "errors/400.html", status=400)
