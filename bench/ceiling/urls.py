"""One route: the page, read once when the process starts."""

import os
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.urls import path

PAGE = Path(os.environ.get("BENCH_CEILING_FILE", "var/bench/ceiling.html")).read_bytes()


def page_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE, content_type="text/html; charset=utf-8")


urlpatterns = [path("", page_view)]
