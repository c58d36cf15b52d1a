"""Reads of the elsewhere app: the pages' lists, the category stream, search
results, link cards and the highlights feed. Each costs a fixed number of
queries whatever the data size (tests/elsewhere pins them)."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone

from elsewhere.models import HighlightsFeed, Item, Source, url_hash
from forum.models import Category, IdeaStatus, Topic
from ideas.models import IdeaDecision
from permissions import policy

logger = logging.getLogger(__name__)
ANONYMOUS = AnonymousUser()
_HREF_RE = re.compile(r"""<a\s[^>]*?href=["']([^"']+)["']""", re.IGNORECASE)
CARDS_PER_POST = 3


def shown_items() -> QuerySet[Item]:
    """Items of listed sources, young enough to show, newest first."""
    oldest = timezone.now() - timedelta(days=settings.ELSEWHERE_ITEM_MAX_AGE_DAYS)
    return (
        Item.objects.filter(
            source__status=Source.Status.ACTIVE, published_at__gte=oldest
        )
        .select_related("source")
        .order_by("-published_at", "-pk")
    )


def listed_sources() -> list[Source]:
    """Listed communities, by name (the Elsewhere page's side)."""
    return list(Source.objects.filter(status=Source.Status.ACTIVE).order_by("name"))


def all_sources() -> list[Source]:
    """Every source ever listed, withdrawn ones too, newest opt-in first."""
    return list(
        Source.objects.select_related("approved_by").order_by("-approved_at", "-pk")
    )


def category_stream(category: Category, limit: int = 5) -> list[Item]:
    """The newest items of the sources tied to *category* (one query)."""
    return list(shown_items().filter(source__categories=category)[:limit])


def search_items(q: str, limit: int = 5) -> list[Item]:
    """Items whose title or excerpt holds every word of *q* (one query)."""
    words = q.split()[:8]
    if not words:
        return []
    items = shown_items()
    for word in words:
        items = items.filter(Q(title__icontains=word) | Q(excerpt__icontains=word))
    return list(items[:limit])


def links_in(fragment: str) -> list[str]:
    """The http(s) addresses a rendered post links to, in order, once each."""
    found: list[str] = []
    for raw in _HREF_RE.findall(fragment):
        url = html.unescape(raw).strip()
        if url.startswith(("http://", "https://")) and url not in found:
            found.append(url)
    return found


def attach_link_cards(posts: Sequence[Any]) -> None:
    """Set ``post.elsewhere_cards``: the items a post links to, found in its
    rendered content (``content_html``, set by forum.fragments).

    One query for the whole page, none when no post links out; posts are
    rendered at write time and never change for this, so the cards are
    computed when the page is (docs/decisions.md).
    """
    wanted: dict[int, list[str]] = {}
    for post in posts:
        post.elsewhere_cards = []
        content = getattr(post, "content_html", "") or ""
        links = links_in(str(content))
        if links:
            wanted[post.pk] = links
    if not wanted:
        return
    hashes = {url_hash(url) for links in wanted.values() for url in links}
    by_hash: dict[str, Item] = {}
    for item in shown_items().filter(url_hash__in=hashes):
        by_hash.setdefault(item.url_hash, item)
    if not by_hash:
        return
    for post in posts:
        cards = [
            by_hash[url_hash(url)]
            for url in wanted.get(post.pk, [])
            if url_hash(url) in by_hash
        ]
        post.elsewhere_cards = cards[:CARDS_PER_POST]


HIGHLIGHTS_KEY = "elsewhere:highlights-enabled"  # set_highlights_feed forgets it


def highlights_enabled() -> bool:
    """Whether the highlights feed is on; kept in the cache (set_highlights_feed
    forgets it), so the how-it-works page reads no table for it."""
    try:
        cached = cache.get(HIGHLIGHTS_KEY)
    except Exception:  # a cache outage reads the database
        cached = None
    if cached is not None:
        return bool(cached)
    enabled = HighlightsFeed.objects.filter(pk=1, enabled=True).exists()
    try:
        cache.set(HIGHLIGHTS_KEY, int(enabled), timeout=3600)
    except Exception:
        logger.warning("Could not cache the highlights feed switch.")
    return enabled


@dataclass(frozen=True)
class Highlight:
    kind: str  # "solved" or "shipped"
    title: str
    url: str  # a path on this site
    date: datetime
    category: str


def highlights(limit: int = 30) -> list[Highlight]:
    """Recently solved questions and shipped ideas anyone may read (two
    queries), newest first."""
    visible = policy.visible_topics(
        ANONYMOUS, Topic.objects.filter(deleted_at__isnull=True)
    )
    solved = (
        visible.filter(is_solved=True, accepted_post__isnull=False)
        .select_related("category", "accepted_post")
        .order_by("-accepted_post__created_at")[:limit]
    )
    found = [
        Highlight(
            kind="solved",
            title=topic.title,
            url=topic.get_absolute_url(),
            date=topic.accepted_post.created_at,
            category=topic.category.name,
        )
        for topic in solved
        if topic.accepted_post is not None
    ]
    shipped = (
        IdeaDecision.objects.filter(status=IdeaStatus.SHIPPED, topic__in=visible)
        .select_related("topic", "topic__category")
        .order_by("-created_at", "-pk")[:limit]
    )
    found += [
        Highlight(
            kind="shipped",
            title=decision.topic.title,
            url=f"{decision.topic.get_absolute_url()}#decision-{decision.pk}",
            date=decision.created_at,
            category=decision.topic.category.name,
        )
        for decision in shipped
    ]
    found.sort(key=lambda highlight: highlight.date, reverse=True)
    return found[:limit]
