"""Whole-page cache for what anonymous visitors see.

Anonymous pages are the same for every visitor, so the rendered HTML is kept
in Django's cache (Redis in production) under a key that contains a
*generation* number. Anything that changes content bumps the generation after
its transaction commits, and every cached page is stale at once:

* every action that changes what visitors see calls ``bump_on_commit()``
  itself (replies, edits, hides, moves, merges, likes, accepted answers …);
  emitting an event does not invalidate anything;
* model signals, connected in ForumConfig.ready(), bump it for changes made
  outside actions (a profile edit, the admin editing a category or tag); an
  admin edit of a topic or post row in /admin/ is picked up when the page
  expires;
* ``ANON_CACHE_SECONDS`` bounds how long a page may live in any case;
* after a cache outage the generation is bumped once per process when Redis
  answers again (``config.resilience.on_reconnect``): the bumps of changes
  made during the outage were lost, and a Redis that kept its data would
  otherwise serve pages cached before them.

With read replicas (``config.db_router``) each bump first records the
primary's WAL position (the *fence*): a request reads from a replica only
once it has replayed that far, so no page or fragment is rendered from data
older than the change that made the cache stale, and cached under the new
generation.

A cache outage is a miss (``config.resilience.ResilientRedisCache``): pages
render from the database and nothing is stored until Redis answers.

One global generation is deliberately simple: a change anywhere invalidates
every page, which is always correct, and on a forum most anonymous traffic
reads between two changes. Only responses that carry nothing personal are
kept: no session cookie on the request, no CSRF token rendered, no cookie set,
status 200, GET or HEAD, not an htmx partial.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse

from accounts.models import Brand, CommunityGroup, GroupMembership, User
from config import db_router
from config.resilience import on_reconnect
from forum.models import Category, Like, Tag

logger = logging.getLogger(__name__)

GENERATION_KEY = "anon-pages:generation"
# Saving only these User fields changes nothing anonymous visitors see.
_INVISIBLE_USER_FIELDS = frozenset({"last_login", "last_seen_at", "password"})


def ttl() -> int:
    return getattr(settings, "ANON_CACHE_SECONDS", 300)


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        # add() keeps a concurrent bump; the generation must never go back.
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return int(value)


def bump_generation() -> None:
    """Make every cached anonymous page stale (call after commit)."""
    # Before the bump: whoever sees the new generation sees the fence.
    db_router.record_fence()
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or evicted): start a new series
        cache.set(GENERATION_KEY, generation() + 1, timeout=None)


def bump_on_commit() -> None:
    """Invalidate now and again once the transaction commits.

    The bump after commit is the one that makes the change visible: a page
    rendered by a concurrent request before the commit, and cached under the
    generation bumped now, is dropped by it. The bump now makes the change's
    own process miss at once, even where commits are not real (the test
    suite runs every test in a transaction that is never committed).
    """
    safe_bump()
    transaction.on_commit(bump_generation, robust=True)


def safe_bump() -> None:
    """bump_generation, but a cache outage never breaks the change itself."""
    try:
        bump_generation()
    except Exception:  # the page TTL bounds staleness
        logger.warning("Could not invalidate the anonymous page cache.")


def _cacheable_request(request: HttpRequest) -> bool:
    return (
        ttl() > 0
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.headers.get("HX-Request")
    )


def _key(request: HttpRequest) -> str:
    """The page's key. The generation is kept in the value, not the key, so a
    hit costs one round trip: ``get_many`` reads the page and the current
    generation together (MGET on Redis)."""
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    language = getattr(request, "LANGUAGE_CODE", "")
    return f"anon-page:v2:{language}:{path}"


def _lookup(key: str) -> tuple[int, bytes | None, str]:
    """(current generation, cached content or None, content type)."""
    found = cache.get_many([GENERATION_KEY, key])
    current = found.get(GENERATION_KEY)
    if current is None:
        return generation(), None, ""
    hit = found.get(key)
    if hit is not None:
        page_generation, content, content_type = hit
        if page_generation == int(current):
            return int(current), content, content_type
    return int(current), None, ""


def cache_anonymous_page(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Serve *view* from the page cache to visitors without a session."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _cacheable_request(request):
            return view(request, *args, **kwargs)
        key = _key(request)
        current, content, content_type = _lookup(key)
        if content is not None:
            response = HttpResponse(content, content_type=content_type)
            response["X-Hearth-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and not request.user.is_authenticated
        ):
            # Stored under the generation read *before* rendering: a change
            # committed meanwhile has bumped it, and the page is a miss.
            cache.set(key, (current, response.content, response["Content-Type"]), ttl())
            response["X-Hearth-Cache"] = "miss"
        return response

    return wrapper


# --- Changes made outside actions ------------------------------------------------------


def _on_change(sender: type, instance: Any = None, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if (
        sender.__name__ == "User"
        and update_fields
        and set(update_fields) <= _INVISIBLE_USER_FIELDS
    ):
        return
    bump_on_commit()


def connect_signals() -> None:
    # Topics and posts change only in actions, which bump explicitly; these
    # also change outside actions (a profile edit, group flair, a brand's
    # name, the admin).
    for model in (Category, Tag, Like, User, CommunityGroup, GroupMembership, Brand):
        uid = f"forum.cache:{model.__name__}"
        post_save.connect(_on_change, sender=model, dispatch_uid=uid + ":save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=uid + ":delete")
    on_reconnect(bump_generation)
