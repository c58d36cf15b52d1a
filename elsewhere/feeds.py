"""The highlights Atom feed: recently solved questions and shipped ideas,
off until an administrator turns it on (elsewhere.models.HighlightsFeed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from elsewhere import queries
from elsewhere.queries import Highlight


class HighlightsFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        if not queries.highlights_enabled():
            raise Http404

    def title(self) -> str:
        return f"{settings.SITE_NAME}: highlights"

    def link(self) -> str:
        return reverse("forum:home")

    def subtitle(self) -> str:
        return "Questions the community recently solved and ideas that shipped."

    def items(self) -> list[Highlight]:
        return queries.highlights()

    def item_title(self, item: Highlight) -> str:
        prefix = "Solved" if item.kind == "solved" else "Shipped"
        return f"{prefix}: {item.title}"

    def item_description(self, item: Highlight) -> str:
        if item.kind == "solved":
            return f"A question in {item.category}, answered and marked solved."
        return f"An idea from {item.category}, now shipped."

    def item_link(self, item: Highlight) -> str:
        return item.url

    def item_guid(self, item: Highlight) -> str:
        return settings.SITE_URL + item.url

    def item_pubdate(self, item: Highlight) -> datetime:
        return item.date
