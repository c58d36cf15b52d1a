"""Hearth's URLs plus the static ceiling: a fixed HTML file of the topic
page's size, served through the same gunicorn + Django middleware stack."""

import os
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from config.urls import *  # noqa: F403
from config.urls import urlpatterns as hearth_urlpatterns

CEILING_FILE = Path(os.environ.get("BENCH_CEILING_FILE", "var/bench/ceiling.html"))


@require_GET
def static_ceiling_view(request: HttpRequest) -> HttpResponse:
    # Read per request (like serving a file); the page cache keeps it hot.
    return HttpResponse(
        CEILING_FILE.read_bytes(), content_type="text/html; charset=utf-8"
    )


urlpatterns = [
    path("bench/static-ceiling/", static_ceiling_view, name="bench_static_ceiling"),
    *hearth_urlpatterns,
]
