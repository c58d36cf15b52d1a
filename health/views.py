"""The public community health page and its CSV downloads (read-only)."""

from __future__ import annotations

import csv

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from forum.models import Category
from health import queries


def _selection(request: HttpRequest) -> tuple[Category | None, list[Category], str]:
    """The category asked for (None: the whole site), the public categories,
    and an error message when the filter names no public category."""
    categories = queries.public_categories()
    slug = request.GET.get("category", "").strip()
    if not slug:
        return None, categories, ""
    category = queries.find_category(categories, slug)
    if category is None:
        return (
            None,
            categories,
            _("There is no public category “%(slug)s”; showing the whole community.")
            % {"slug": slug[:80]},
        )
    return category, categories, ""


@require_GET
def health_view(request: HttpRequest) -> HttpResponse:
    category, categories, error = _selection(request)
    data = queries.health(category, categories)
    return render(
        request,
        "health/index.html",
        {
            "health": data,
            "error": error,
            "query": f"?category={category.slug}" if category else "",
            "chart": {
                "width": queries.WIDTH,
                "height": queries.HEIGHT,
                "left": queries.LEFT,
                "right": queries.WIDTH - queries.RIGHT,
                "base": queries.HEIGHT - queries.BOTTOM,
                "label_y": queries.HEIGHT - 8,
            },
        },
    )


@require_GET
def health_csv_view(request: HttpRequest, table: str) -> HttpResponse:
    spec = queries.TABLE_KEYS.get(table)
    if spec is None:
        raise Http404
    category, categories, _error = _selection(request)
    data = queries.health(category, categories)
    chosen = next(t for t in data.tables if t.key == table)
    scope = category.slug if category else "community"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="health-{table}-{scope}.csv"'
    )
    csv.writer(response).writerows(queries.csv_rows(chosen))
    return response
