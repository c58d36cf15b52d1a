"""Pages of the elsewhere app: the stream of links, the public list of
sources, the withdrawal link's page and the highlights JSON Feed."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from elsewhere import actions, queries
from forum.cache import cache_anonymous_page

ITEMS_PER_PAGE = 30


@require_GET
@cache_anonymous_page
def elsewhere_view(request: HttpRequest) -> HttpResponse:
    """ "Elsewhere in the community": links to what listed communities publish."""
    page = Paginator(queries.shown_items(), ITEMS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "elsewhere/index.html",
        {"page_obj": page, "sources": queries.listed_sources()},
    )


@require_GET
@cache_anonymous_page
def sources_view(request: HttpRequest) -> HttpResponse:
    """Every community ever listed, with its opt-in record; withdrawn ones too."""
    return render(request, "elsewhere/sources.html", {"sources": queries.all_sources()})


@require_http_methods(["GET", "POST"])
def withdraw_view(request: HttpRequest, token: str) -> HttpResponse:
    """The page a withdrawal link opens: confirm, and the items are gone."""
    source, problem = actions.source_for_token(token)
    if source is None:
        return render(
            request, "elsewhere/withdraw.html", {"problem": problem}, status=404
        )
    if request.method == "POST":
        try:
            source = actions.withdraw_source(token)
        except ValidationError as exc:
            return render(
                request,
                "elsewhere/withdraw.html",
                {"problem": " ".join(exc.messages)},
                status=404,
            )
        return render(
            request, "elsewhere/withdraw.html", {"source": source, "done": True}
        )
    return render(request, "elsewhere/withdraw.html", {"source": source})


@require_GET
def highlights_json_view(request: HttpRequest) -> HttpResponse:
    """The highlights as a JSON Feed 1.1; 404 until an administrator turns it on."""
    if not queries.highlights_enabled():
        raise Http404
    site = settings.SITE_URL
    items = [
        {
            "id": f"{site}{highlight.url}",
            "url": f"{site}{highlight.url}",
            "title": highlight.title,
            "content_text": (
                f"Solved in {highlight.category}"
                if highlight.kind == "solved"
                else f"Shipped, from {highlight.category}"
            ),
            "date_published": highlight.date.isoformat(),
            "tags": [highlight.kind],
        }
        for highlight in queries.highlights()
    ]
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"{settings.SITE_NAME}: highlights",
        "home_page_url": site + reverse("forum:home"),
        "feed_url": site + reverse("elsewhere:highlights_json"),
        "description": "Questions the community recently solved and ideas that shipped.",
        "items": items,
    }
    return JsonResponse(feed, content_type="application/feed+json")
