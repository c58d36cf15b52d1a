"""Cached HTML of the parts of a topic page that every viewer sees alike.

A post's byline, labels and text (``forum/topic/_post_content.html``) are the
same whoever reads them; what differs per viewer (like, bookmark, edit, flag,
moderator controls, appeal links) is rendered around them on every request.
Rendering those fragments is most of a topic page's cost, so they are kept in
Django's cache (Redis in production) and fetched for a whole page in one
round trip.

Keys carry the anonymous page cache's *generation* (``forum.cache``): every
action that changes content bumps it, so a fragment is never served after the
post, its author, its topic or its category changed. ``ANON_CACHE_SECONDS``
bounds a fragment's life as it bounds a cached page's, which also keeps the
relative times ("3 hours ago") in them close to true.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation

from forum import cache as page_cache
from forum import queries
from forum.models import Post, Topic

logger = logging.getLogger(__name__)

TEMPLATE = "forum/topic/_post_content.html"


def _load_text(posts: Sequence[Post]) -> None:
    """Read the rendered text of *posts* in one query where it was deferred."""
    deferred = [post for post in posts if "body_html" in post.get_deferred_fields()]
    if not deferred:
        return
    bodies = dict(
        Post.objects.filter(pk__in=[post.pk for post in deferred]).values_list(
            "pk", "body_html"
        )
    )
    for post in deferred:
        post.body_html = bodies.get(post.pk, "")


def _key(language: str, post: Post) -> str:
    return f"post-frag:v2:{language}:{post.pk}"


def attach_post_content(topic: Topic, posts: Sequence[Post]) -> None:
    """Set ``post.content_html`` on each of *posts*, rendering only cache misses.

    One round trip reads the generation and every fragment of the page (MGET
    on Redis); a fragment stored under an older generation is a miss. A cache
    outage degrades to rendering every fragment: the page still works.
    """
    if not posts:
        return
    ttl = page_cache.ttl()
    language = translation.get_language() or ""
    keys = {post.pk: _key(language, post) for post in posts} if ttl > 0 else {}
    hits: dict[str, str] = {}
    current = 0
    if keys:
        try:
            found = cache.get_many([page_cache.GENERATION_KEY, *keys.values()])
            current = found.pop(page_cache.GENERATION_KEY, None)
            if current is None:
                current = page_cache.generation()
            hits = {
                key: html
                for key, (generation, html) in found.items()
                if generation == int(current)
            }
        except Exception:
            logger.warning("Post fragment cache unavailable; rendering every post.")
            keys = {}
    missed = [post for post in posts if keys.get(post.pk) not in hits]
    if missed:
        queries.prefetch_flair(missed)
        queries.attach_author_recognition(topic, missed)
        _load_text(missed)
    rendered: dict[str, tuple[int, str]] = {}
    for post in posts:
        key = keys.get(post.pk, "")
        html = hits.get(key)
        if html is None:
            html = render_to_string(TEMPLATE, {"post": post, "topic": topic})
            if key:
                # Under the generation read before rendering: a change
                # committed meanwhile has bumped it, and this is a miss.
                rendered[key] = (int(current), html)
        post.content_html = html
    if rendered:
        try:
            cache.set_many(rendered, ttl)
        except Exception:
            logger.warning("Could not store post fragments.")
