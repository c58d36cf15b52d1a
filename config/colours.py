"""`GET /colours.css`: category and brand colours as classes.

Colours are chosen in the admin, so they cannot live in the static
stylesheet; putting them in ``style`` attributes would need
``style-src 'unsafe-inline'`` in the Content-Security-Policy. Instead every
template writes a class (``colour-category-<id>``, ``colour-brand-<id>``) and
this small stylesheet, linked from base.html, gives each class its colour.
It is cached by browsers for a few minutes and revalidated by its ETag.
"""

from __future__ import annotations

import hashlib
import re

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.views.decorators.http import require_GET

from accounts.models import Brand
from forum.models import Category

# Only well-formed hex colours reach the stylesheet: the field is free text.
_HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
MAX_AGE_SECONDS = 300


def category_class(category_id: int) -> str:
    return f"colour-category-{category_id}"


def brand_class(brand_id: int) -> str:
    return f"colour-brand-{brand_id}"


def stylesheet() -> str:
    rules = []
    for pk, colour in Category.objects.order_by("pk").values_list("pk", "colour"):
        if _HEX_COLOUR.fullmatch(colour):
            rules.append(
                f".{category_class(pk)}{{--category-colour:{colour};"
                f"--label-colour:{colour}}}"
            )
    for pk, colour in Brand.objects.order_by("pk").values_list("pk", "colour"):
        if _HEX_COLOUR.fullmatch(colour):
            rules.append(f".{brand_class(pk)}{{--label-colour:{colour}}}")
    return "\n".join(rules) + "\n"


@require_GET
def colours_css(request: HttpRequest) -> HttpResponse:
    body = stylesheet()
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="text/css; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={MAX_AGE_SECONDS}"
    return response
