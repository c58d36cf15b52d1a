"""The read side of the API (issue 24): every list goes through the same
selectors and policy filters as the pages, so an API reader sees exactly
what they would see on the site. Each function costs a fixed number of
queries, whatever the size of the forum or the depth of the cursor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from api import cursors
from api.models import ApiToken
from forum import queries as forum_queries
from forum.models import Category, Post, Topic
from health import queries as health_queries
from moderation import queries as moderation_queries
from moderation.models import ModerationAction
from permissions import policy
from permissions.policy import Actor, Perm
from recognition import queries as recognition_queries

TOPICS_PER_PAGE = 30
POSTS_PER_PAGE = 50
LOG_PER_PAGE = 50


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None


def tokens_of(user: User) -> list[ApiToken]:
    """The member's tokens for the settings page, newest first."""
    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "-pk"))


def token_by_hash(key_hash: str) -> ApiToken | None:
    return ApiToken.objects.select_related("user").filter(key_hash=key_hash).first()


# --- Categories ------------------------------------------------------------------------


def categories(actor: Actor) -> list[Category]:
    """The index page's categories (top level, with their visible children)."""
    return forum_queries.visible_categories(actor)


def category(actor: Actor, slug: str) -> Category:
    """The category page's category, or Http404 as the page answers."""
    found = (
        Category.objects.select_related("parent", "restricted_to")
        .filter(slug=slug)
        .first()
    )
    if found is None:
        raise Http404
    policy.require(actor, Perm.VIEW_CATEGORY, found)
    return found


# --- Topics ----------------------------------------------------------------------------


def _topic_page(actor: Actor, topics: QuerySet[Topic], cursor: str | None) -> Page:
    """Newest activity first, then the newest topic: the latest page's order
    without pinning, which a cursor needs to be stable."""
    rows = forum_queries.topic_list(actor, topics).order_by("-last_posted_at", "-pk")
    if cursor:
        at, pk = cursors.decode(cursor, (datetime, int))
        rows = rows.filter(Q(last_posted_at__lt=at) | Q(last_posted_at=at, pk__lt=pk))
    found = list(rows[: TOPICS_PER_PAGE + 1])
    more = len(found) > TOPICS_PER_PAGE
    found = found[:TOPICS_PER_PAGE]
    last = found[-1] if more else None
    return Page(
        items=found,
        next_cursor=cursors.encode(last.last_posted_at, last.pk) if last else None,
    )


def latest_topics(actor: Actor, cursor: str | None) -> Page:
    return _topic_page(actor, Topic.objects.all(), cursor)


def category_topics(actor: Actor, slug: str, cursor: str | None) -> Page:
    """The category page's topics: its own and its visible subcategories'."""
    found = category(actor, slug)
    children = list(
        policy.visible_categories(actor, found.children.all()).values_list(
            "pk", flat=True
        )
    )
    topics = Topic.objects.filter(category_id__in=[found.pk, *children])
    return _topic_page(actor, topics, cursor)


def topic(actor: Actor, topic_id: int) -> Topic:
    """The topic page's topic: a merged topic leads to the one it was merged
    into; Http404 for what the reader may not see, as on the page."""
    topics = Topic.objects.select_related("category", "category__parent")
    found = topics.filter(pk=topic_id).first()
    if found is not None and found.merged_into_id is not None:
        found = topics.filter(pk=found.merged_into_id).first()
    if found is None:
        raise Http404
    policy.require(actor, Perm.VIEW_TOPIC, found)
    return found


def topic_posts(actor: Actor, found: Topic, cursor: str | None) -> Page:
    """The topic page's posts, in order: every post of the topic, hidden,
    removed and deleted ones as the tombstones the page shows (see
    post_state). A page is a range of post numbers, like the page's."""
    after = cursors.decode(cursor, (int,))[0] if cursor else 0
    rows = list(
        Post.objects.filter(topic=found, number__gt=after)
        .select_related("author_brand")
        .defer("body_text", "search_vector")
        .order_by("number")[: POSTS_PER_PAGE + 1]
    )
    more = len(rows) > POSTS_PER_PAGE
    rows = rows[:POSTS_PER_PAGE]
    for post in rows:
        post.topic = found
    return Page(
        items=rows,
        next_cursor=cursors.encode(rows[-1].number) if more else None,
    )


def post_state(post: Post) -> tuple[str, bool]:
    """What the topic page shows of *post* to everyone who may open the
    topic (templates/forum/topic/_post_content.html, the same for every
    viewer): its state, and whether its words are readable. Hidden posts and
    posts pending review stay readable on click; removed (spam, illegal) and
    deleted posts show a tombstone without their words."""
    if post.deleted_at is not None:
        return "deleted", False
    if post.removed_at is not None:
        return "removed", False
    if post.pending_review:
        return "pending_review", True
    if post.is_hidden:
        return "hidden", bool(post.body_html)
    return "visible", True


# --- People ----------------------------------------------------------------------------


def profile(actor: Actor, username: str) -> tuple[User, recognition_queries.Profile]:
    """The profile page's person and what they did, as *actor* may see it."""
    person = (
        User.objects.select_related("brand")
        .filter(username=username, is_active=True)
        .first()
    )
    if person is None:
        raise Http404
    return person, recognition_queries.profile(actor, person)


# --- The moderation log ---------------------------------------------------------------


def moderation_log(actor: Actor, cursor: str | None) -> Page:
    """The public log page's entries, newest first, with the topic each
    concerns only when the reader may open it (attach_targets)."""
    rows = moderation_queries.visible_actions(actor)
    if cursor:
        at, pk = cursors.decode(cursor, (datetime, int))
        rows = rows.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk))
    found: list[ModerationAction] = list(rows[: LOG_PER_PAGE + 1])
    more = len(found) > LOG_PER_PAGE
    found = found[:LOG_PER_PAGE]
    moderation_queries.attach_targets(actor, found)
    for action in found:
        action.the_appeal = moderation_queries.appeal_of(action)
    last = found[-1] if more else None
    return Page(
        items=found,
        next_cursor=cursors.encode(last.created_at, last.pk) if last else None,
    )


# --- Health ----------------------------------------------------------------------------


def health(slug: str) -> health_queries.Health:
    """The health page's figures: the whole community, or one public
    category (Http404 for any other slug)."""
    public = health_queries.public_categories()
    chosen = None
    if slug:
        chosen = health_queries.find_category(public, slug)
        if chosen is None:
            raise Http404
    return health_queries.health(chosen, public)


def author_usernames(posts: list[Post]) -> dict[int, str]:
    """Usernames of the posts' authors who still have a profile (one query)."""
    ids = {post.author_id for post in posts if post.author_id is not None}
    if not ids:
        return {}
    return dict(
        User.objects.filter(pk__in=ids, is_active=True).values_list("pk", "username")
    )
