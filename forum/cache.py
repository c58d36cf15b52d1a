"""Whole-page cache: for anonymous visitors, and for signed-in viewers per
*viewer class*.

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
every page, which is always correct, and on a forum most traffic reads
between two changes.

**Signed-in viewers** (views decorated with ``cache_page(personal)``): the
page is kept under a key made of

* the URL and language, as for visitors;
* the viewer *class* (``viewer_class``): role, superuser and staff flags,
  active / suspended, the end of a silence, the exact trust level, brand,
  every group membership, every moderator assignment, decision ownerships
  and whether the welcome is pending — everything the policy and the
  templates read about a viewer except who they are;
* the viewer's own state the page shows outside its holes (``personal``,
  per view): on a topic page their read position (when part of the topic is
  unread), watch level, authorship of the topic, their posts, likes,
  bookmarks and pending flags on that page, whether they escalated or asked a
  brand there; on a category page, their watch level. Rare by nature, so
  most members of a class share the entry; ``personal`` returns None where
  the page cannot be cached for them (a new member's own posts: their edit
  window closes with time).

The viewer's relations (groups, moderator assignments, decision ownerships)
and their header variants are kept in the cache per member, under the
generation (``load_viewer``): a page served from the cache costs the user's
row (with the header's counts, accounts.backends), the page's own personal
state and cache reads.

What differs between any two viewers is a *hole* (forum/holes.py): the
header's own part (name, menu, counts), django.contrib.messages, each topic
row's unread state and the CSRF token. The page is stored *before* its holes
are filled, and forum.holes.HoleMiddleware fills them for whoever is served,
cached or not — so a cached page and a fresh render run the same filling
code. A page that renders state of one viewer that is not a hole marks
itself ``{% personal_page %}`` (a poll's or an idea's vote, the reader's own
escalation or brand request) and is never stored. Never stored either:
non-200 or streaming responses, responses that set a cookie or whose render
read the CSRF token itself, pages rendered while messages wait; POSTs and
htmx partials are never served from the cache. tests/forum/
test_cache_equivalence.py holds every cached page byte-identical to a fresh
render for ten kinds of viewer, each served what the viewer of their class
before them cached.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
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
from forum import holes
from forum.models import Category, Like, Tag
from ideas.models import DecisionOwner
from moderation.models import ModeratorAssignment
from permissions import policy

logger = logging.getLogger(__name__)

GENERATION_KEY = "anon-pages:generation"
# What a view's render leaves for Personal.on_hit (kept with the page).
PAGE_META_ATTR = "hearth_page_meta"
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


@dataclass(frozen=True)
class Personal:
    """What of one viewer's own state a page shows outside its holes.

    ``key`` joins the cache key (rare personal state: their own posts on
    the page, what they liked or bookmarked there, their read position, their
    watch level); ``on_hit`` runs when the page is served from the cache, with
    the metadata the render left (``PAGE_META_ATTR`` on the request), for what the
    view would have done besides rendering (moving the read marker).
    """

    key: tuple[Any, ...] = ()
    on_hit: Callable[[dict[str, Any]], None] | None = None


# (request, *view args) -> Personal, or None: this page is not cached for them.
PersonalFn = Callable[..., Personal | None]


def viewer_class(user: User) -> tuple[Any, ...]:
    """Everything about a signed-in viewer that the policy or the page
    templates read, except their identity: two members with the same class
    see the same page outside its holes. Conservative on purpose — exact
    trust level, every group, every moderated category, the silence's end
    (its reason text shows the date), decision ownerships (ideas)."""
    return _user_part(user) + _relations(user)


def _user_part(user: User) -> tuple[Any, ...]:
    """The class's part read from the user row itself (loaded by every
    signed-in request anyway)."""
    silenced_until = user.silenced_until if user.is_silenced else None
    return (
        user.role,
        user.is_superuser,
        user.is_staff,
        user.is_active,
        user.is_banned,
        silenced_until.isoformat() if silenced_until else "",
        user.trust_level,
        user.brand_id,
        user.welcome_pending,
    )


def _relations(user: User) -> tuple[Any, ...]:
    """The class's part read from other tables: groups, moderator
    assignments, decision ownerships (two queries)."""
    # Decision ownerships matter only to whom the policy lets own decisions
    # (a role in the row): no query for anyone else.
    scopes = policy.decision_scopes(user) if policy.may_own_decisions(user) else []
    return (
        tuple(sorted(user.group_ids)),
        tuple(sorted(user.assigned_category_ids)),
        tuple(sorted(scopes, key=repr)),
    )


def _viewer_key(user_pk: int) -> str:
    """The cache key of a member's viewer entry (``load_viewer``)."""
    return f"viewer:v2:{user_pk}"


@dataclass
class Viewer:
    """A signed-in viewer as the caches see them: their class, the
    generation it was read under, and what is kept with it in the cache —
    their relations and the header variants rendered for them
    (forum/holes.py), ``{variant key: (nonce, html)}``."""

    user_pk: int
    key: tuple[Any, ...]
    generation: int
    relations: tuple[Any, ...]
    navs: dict[str, tuple[str, str]]

    @property
    def digest(self) -> str:
        return hashlib.sha256(repr(self.key).encode()).hexdigest()[:32]

    def keep_nav(self, variant: str, stored: tuple[str, str]) -> None:
        """Keep a header variant with the viewer (the newest NAV_VARIANTS)."""
        self.navs[variant] = stored
        while len(self.navs) > NAV_VARIANTS:
            del self.navs[next(iter(self.navs))]
        cache.set(
            _viewer_key(self.user_pk),
            (self.generation, self.relations, self.navs),
            ttl(),
        )


# Header variants kept per member: one per page kind they visit (the
# current-page link) and count they see; a member reading topics uses one.
NAV_VARIANTS = 6


def load_viewer(user: User, *, cached_relations: bool = True) -> Viewer:
    """The viewer, in one cache round trip (the generation and the entry
    kept for them) when the entry is current.

    The relations (groups, moderator assignments, decision ownerships) are
    kept in the cache per member *under the generation read before loading
    them*, exactly as pages are: every change to them bumps the generation
    (GroupMembership, ModeratorAssignment and DecisionOwner saves and deletes,
    ``connect_signals``), so a stored entry is used only while nothing has
    changed since it was read. The row's own fields are always this
    request's.

    With ``cached_relations=False`` (a page whose view runs: its policy
    checks read the relations anyway) they are read from the database, so
    such a page runs the same queries whatever the cache holds; only the
    header variants come from the entry."""
    key = _viewer_key(user.pk)
    found = cache.get_many([GENERATION_KEY, key])
    current = found.get(GENERATION_KEY)
    if current is None:  # no generation yet (a fresh or flushed cache)
        relations = _relations(user)
        return Viewer(
            user.pk, _user_part(user) + relations, generation(), relations, {}
        )
    entry = found.get(key)
    if entry is not None and entry[0] != int(current):
        entry = None
    if entry is not None and cached_relations:
        _, relations, navs = entry
        groups, assignments, scopes = relations
        # The rest of the request (the policy, the header) reads them from
        # the user object: no query for them either.
        real = policy.unwrap(user)
        real.__dict__.setdefault(
            "_memberships", (frozenset(groups), frozenset(assignments))
        )
        real.__dict__.setdefault("decision_scopes", list(scopes))
        return Viewer(
            user.pk, (*_user_part(user), *relations), int(current), relations, navs
        )
    relations = _relations(user)
    if entry is not None and tuple(entry[1]) == relations:
        navs = entry[2]
    else:
        navs = {}
        cache.set(key, (int(current), relations, navs), ttl())
    return Viewer(user.pk, _user_part(user) + relations, int(current), relations, navs)


def class_and_generation(user: User) -> tuple[tuple[Any, ...], int]:
    """(``viewer_class(user)``, the current generation): ``load_viewer``."""
    viewer = load_viewer(user)
    return viewer.key, viewer.generation


def _cacheable_request(request: HttpRequest) -> bool:
    return (
        ttl() > 0
        and request.method in ("GET", "HEAD")
        and not request.headers.get("HX-Request")
    )


def _key(request: HttpRequest, viewer: tuple[Any, ...] = ()) -> str:
    """The page's key. The generation is kept in the value, not the key, so a
    hit costs one round trip: ``get_many`` reads the page and the current
    generation together (MGET on Redis)."""
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    language = getattr(request, "LANGUAGE_CODE", "")
    if not viewer:
        return f"anon-page:v3:{language}:{path}"
    digest = hashlib.sha256(repr(viewer).encode()).hexdigest()[:32]
    return f"class-page:v1:{language}:{path}:{digest}"


def _lookup(key: str) -> tuple[int, tuple[Any, ...] | None]:
    """(current generation, the cached entry or None)."""
    found = cache.get_many([GENERATION_KEY, key])
    current = found.get(GENERATION_KEY)
    if current is None:
        return generation(), None
    hit = found.get(key)
    if hit is not None and hit[0] == int(current):
        return int(current), hit
    return int(current), None


def _entry(key: str, current: int) -> tuple[Any, ...] | None:
    """The entry under *key* if it was stored under generation *current*
    (read just before; a page stored under a later one is a miss)."""
    hit = cache.get(key)
    if hit is not None and hit[0] == current:
        return tuple(hit)
    return None


VIEWER_ATTR = "_hearth_viewer"
# Set on a request served from the page cache: no view ran.
HIT_ATTR = "_hearth_cache_hit"


def viewer_of(request: HttpRequest, *, cached_relations: bool = False) -> Viewer:
    """The signed-in viewer of *request* (loaded once per request; see
    ``load_viewer`` for *cached_relations*)."""
    viewer: Viewer | None = getattr(request, VIEWER_ATTR, None)
    if viewer is None:
        viewer = load_viewer(request.user, cached_relations=cached_relations)  # type: ignore[arg-type]
        setattr(request, VIEWER_ATTR, viewer)
    return viewer


def _messages_waiting(request: HttpRequest) -> bool:
    storage = getattr(request, "_messages", None)
    if storage is None:
        return False
    waiting = len(storage) > 0
    return waiting


def cache_page(
    personal: PersonalFn | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Serve a view from the page cache: to visitors without a session, and —
    when *personal* is given — to signed-in viewers per viewer class.

    The stored page is the render *before* its holes are filled (with the
    nonce of its markers, forum/holes.py); HoleMiddleware fills them for
    whoever is served. Never stored: non-200 or streaming responses, pages
    that set a cookie, rendered a message or marked themselves personal
    (``{% personal_page %}``), POSTs and htmx partials; a request with
    messages waiting is never served from the cache.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not _cacheable_request(request):
                return view(request, *args, **kwargs)
            user = request.user
            found = Personal()
            if user.is_authenticated:
                if personal is None or _messages_waiting(request):
                    return view(request, *args, **kwargs)
                own = personal(request, *args, **kwargs)
                if own is None:
                    return view(request, *args, **kwargs)
                found = own
                viewer = viewer_of(request, cached_relations=True)
                key = _key(request, ("member", *viewer.key, *found.key))
                current, entry = viewer.generation, _entry(key, viewer.generation)
            elif settings.SESSION_COOKIE_NAME in request.COOKIES:
                # A visitor with a session (messages, a signed-out member).
                return view(request, *args, **kwargs)
            else:
                key = _key(request)
                current, entry = _lookup(key)
            if entry is not None:
                _, content, content_type, hole_nonce, meta = entry
                response = HttpResponse(content, content_type=content_type)
                setattr(response, holes.NONCE_ATTR, hole_nonce)
                if found.on_hit is not None:
                    found.on_hit(meta)
                response["X-Hearth-Cache"] = "hit"
                setattr(request, HIT_ATTR, True)
                return response
            response = view(request, *args, **kwargs)
            hole_nonce = getattr(request, holes.NONCE_ATTR, None)
            if (
                response.status_code == 200
                and not response.streaming
                and not response.cookies
                and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
                and not getattr(request, holes.PERSONAL_ATTR, False)
                and request.user.is_authenticated == user.is_authenticated
                and not _messages_waiting(request)
            ):
                # Stored under the generation read *before* rendering: a
                # change committed meanwhile has bumped it, and the page is
                # a miss.
                entry = (
                    current,
                    response.content,
                    response["Content-Type"],
                    hole_nonce,
                    getattr(request, PAGE_META_ATTR, {}),
                )
                cache.set(key, entry, ttl())
                response["X-Hearth-Cache"] = "miss"
            return response

        return wrapper

    return decorate


def cache_anonymous_page(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Serve *view* from the page cache to visitors without a session only."""
    return cache_page()(view)


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
    # Moderator assignments and decision ownerships change no page by
    # themselves, but they are part of a viewer's class (class_and_generation).
    for model in (
        Category,
        Tag,
        Like,
        User,
        CommunityGroup,
        GroupMembership,
        Brand,
        ModeratorAssignment,
        DecisionOwner,
    ):
        uid = f"forum.cache:{model.__name__}"
        post_save.connect(_on_change, sender=model, dispatch_uid=uid + ":save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=uid + ":delete")
    on_reconnect(bump_generation)
