"""Read-side selectors for forum pages: each returns querysets or lists in a
fixed number of SQL queries, whatever the amount of data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, connections, router
from django.db.models import Count, Prefetch, Q, QuerySet, prefetch_related_objects
from django.db.models.expressions import Exists, OuterRef, Subquery

from accounts.models import Brand, CommunityGroup, User
from forum.models import (
    Bookmark,
    BrandRequest,
    Category,
    Escalation,
    Like,
    Post,
    ReadState,
    Tag,
    Topic,
)
from moderation.models import Flag, FlagStatus, ModerationAction
from moderation.queries import WaitingWork, waiting_work
from notifications.models import TopicWatch
from permissions import policy
from permissions.policy import Actor, Perm
from recognition.models import Award, AwardKind

POSTS_PER_PAGE = 20
TOPICS_PER_PAGE = 30


def topic_list(actor: Actor, topics: QuerySet[Topic] | None = None) -> QuerySet[Topic]:
    """Visible topics with what a list row shows, pinned first, then by activity."""
    topics = Topic.objects.all() if topics is None else topics
    return (
        policy.visible_topics(actor, topics)
        .select_related("category", "category__parent")
        .select_related("concept_brand")  # polls: "Concept from <brand>"
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.only("name", "slug")))
        .order_by("-is_pinned", "-last_posted_at", "-pk")
    )


def visible_categories(actor: Actor) -> list[Category]:
    """Top-level categories with their visible children in `.visible_children`.

    Each category also gets `total_topics`, `total_posts`, `latest_topic` and
    `latest_at`, rolled up over the subcategories the actor can see.
    """
    categories = list(
        policy.visible_categories(actor, Category.objects.all())
        .select_related("parent", "last_topic", "restricted_to")
        .order_by("position", "name")
    )
    by_parent: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id is not None:
            by_parent.setdefault(category.parent_id, []).append(category)
    top = [c for c in categories if c.parent_id is None]
    for category in top:
        category.visible_children = by_parent.get(category.pk, [])
    roll_up(categories)
    return top


def _public_latest(categories: Sequence[Category]) -> None:
    """Never let a card name a topic that is not public.

    The stored pointer names the newest public topic: the actions that post,
    delete and move keep it so, and resync_counters (the end of every import)
    recomputes it. A row edited by hand behind their back (a topic hidden in the
    database) can leave it naming a hidden or deleted topic; such a pointer is
    dropped here, without a query, until the next resync_counters.
    """
    for category in categories:
        newest = category.last_topic
        if newest is not None and (newest.is_hidden or newest.deleted_at is not None):
            category.last_topic = None
            category.last_posted_at = None


def roll_up(categories: Sequence[Category]) -> None:
    """Set the rolled-up totals on each category from `.visible_children`."""
    _public_latest(categories)
    for category in categories:
        family = [category, *getattr(category, "visible_children", [])]
        category.total_topics = sum(c.topic_count for c in family)
        category.total_posts = sum(c.post_count for c in family)
        active = [c for c in family if c.last_posted_at is not None]
        newest = max(active, key=lambda c: c.last_posted_at) if active else None
        category.latest_topic = newest.last_topic if newest else None
        category.latest_at = newest.last_posted_at if newest else None


def page_count(topic: Topic) -> int:
    return max(1, -(-topic.last_post_number // POSTS_PER_PAGE))


def page_of(number: int) -> int:
    return max(1, -(-number // POSTS_PER_PAGE))


POST_TEXT_FIELDS = ("body_source", "body_html", "body_text", "search_vector")


def topic_posts(actor: Actor, topic: Topic, page: int) -> list[Post]:
    """Posts on one page of a topic: a range of post numbers, so the last page
    costs what the first does. For a signed-in reader each post also carries
    `liked_by_me`, `bookmarked_by_me`, `bookmark_note` and `flagged_by_me`
    (a flag of theirs still waiting for review), read in the same query."""
    first = (page - 1) * POSTS_PER_PAGE + 1
    last = page * POSTS_PER_PAGE
    posts_qs = (
        Post.objects.filter(topic=topic, number__gte=first, number__lte=last)
        .select_related("author", "author_brand", "reply_to")
        # "Confirmed by <brand>" (recognition), a label in the cached part.
        .select_related("confirmation__brand")
        # The text is in the cached fragment (forum/fragments.py reads it for
        # misses); the replied-to post is only a number and a name.
        .defer(*POST_TEXT_FIELDS, *(f"reply_to__{f}" for f in POST_TEXT_FIELDS))
        .order_by("number")
    )
    if actor.is_authenticated:
        mine = {"user": actor, "post": OuterRef("pk")}
        # Post declares both (anonymous readers get them set below); the
        # django-stubs plugin calls the annotation a redefinition.
        posts_qs = posts_qs.annotate(  # type: ignore[no-redef]
            liked_by_me=Exists(Like.objects.filter(**mine)),
            my_bookmark_note=Subquery(
                Bookmark.objects.filter(**mine).values("note")[:1]
            ),
            flagged_by_me=Exists(
                Flag.objects.filter(
                    flagger=actor,
                    post=OuterRef("pk"),
                    status__in=(FlagStatus.OPEN, FlagStatus.DEFERRED),
                )
            ),
        )
    # At most a page matches ((topic, number) is unique); the LIMIT tells the
    # planner so. Without it PostgreSQL multiplies the topic's share of all
    # posts by the share numbered 1-20 (every topic has those), expects
    # thousands of rows on a large topic's first page and reads every post of
    # the topic by topic_id instead of the page's range of numbers (docs/
    # benchmarks.md, scale 10: 61 ms warm against 0.2 ms with the LIMIT).
    posts = list(posts_qs[:POSTS_PER_PAGE])
    for post in posts:
        # Share the topic (and its category) already loaded, so templates and
        # policy checks on each post run no query.
        post.topic = topic
        if not actor.is_authenticated:
            post.liked_by_me = False
            post.my_bookmark_note = None
            post.flagged_by_me = False
        post.bookmarked_by_me = post.my_bookmark_note is not None
        post.bookmark_note = post.my_bookmark_note or ""
    return posts


def prefetch_flair(posts: Sequence[Post]) -> None:
    """Group flair of each post's author: one query for all of *posts*.

    Only the cached part of a post shows flair (forum/fragments.py), so only
    the posts that missed the cache need it.
    """
    prefetch_related_objects(
        list(posts),
        Prefetch(
            "author__community_groups",
            queryset=CommunityGroup.objects.exclude(flair="").only("name", "flair"),
        ),
    )


def attach_author_recognition(topic: Topic, posts: Sequence[Post]) -> None:
    """Set ``author_accepted_here`` on each post: how many accepted-answer
    awards its author holds in the topic's category ("12 accepted answers in
    Espresso"), with one query for every author of *posts*. Brand
    representatives hold none (recognition.actions)."""
    author_ids = {post.author_id for post in posts if post.author_id is not None}
    counts: dict[int, int] = {}
    if author_ids:
        counts = dict(
            Award.objects.filter(
                kind=AwardKind.ACCEPTED_ANSWER,
                category_id=topic.category_id,
                user_id__in=author_ids,
            )
            .values("user_id")
            .annotate(n=Count("pk"))
            .values_list("user_id", "n")
        )
    for post in posts:
        post.author_accepted_here = counts.get(post.author_id or 0, 0)


def read_position(actor: Actor, topic: Topic) -> int:
    if not actor.is_authenticated:
        return 0
    state = ReadState.objects.filter(user=actor, topic=topic).values_list(
        "last_read_number", flat=True
    )
    return next(iter(state), 0)


def reader_state(actor: Actor, topic: Topic) -> tuple[int, int | None]:
    """(the reader's read position, their chosen watch level or None) in one
    query; (0, None) for visitors."""
    if not actor.is_authenticated:
        return 0, None
    mine = {"user": actor, "topic": OuterRef("pk")}
    row = (
        Topic.objects.filter(pk=topic.pk)
        .annotate(
            read=Subquery(
                ReadState.objects.filter(**mine).values("last_read_number")[:1]
            ),
            watch=Subquery(TopicWatch.objects.filter(**mine).values("level")[:1]),
        )
        .values_list("read", "watch")
        .first()
    )
    if row is None:
        return 0, None
    return row[0] or 0, row[1]


@dataclass(frozen=True)
class ReaderPage:
    """One signed-in reader's own state on one page of a topic, read in two
    queries (forum/cache.py puts it in the page's cache key)."""

    read_up_to: int
    watch_level: int | None
    last_post_number: int
    is_topic_author: bool
    escalated: bool  # an escalation of theirs on the topic
    asked_brand: bool  # an open brand request of theirs on the topic
    # (number, own, liked, bookmark note or None, flagged) of the posts on the
    # page where any of these is the reader's, in number order.
    posts: tuple[tuple[int, bool, bool, str | None, bool], ...]


def _table(model: type[Any]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def reader_page(user: User, topic_id: int, page: int) -> ReaderPage | None:
    """The reader's state on *page* of the topic; None for no such topic.

    Plain SQL: this runs on every signed-in topic page served from the cache,
    where building the two ORM queries cost as much as running them."""
    topic, read, watch = _table(Topic), _table(ReadState), _table(TopicWatch)
    escalation, request = _table(Escalation), _table(BrandRequest)
    post, like, bookmark, flag = (
        _table(Post),
        _table(Like),
        _table(Bookmark),
        _table(Flag),
    )
    # One round trip: the topic's row (kind 0) then the reader's posts on the
    # page (kind 1), in the same eight columns; truth values as 0 / 1.
    sql = f"""
        SELECT 0 AS kind, t.last_post_number AS n, t.author_id AS a,
            (SELECT r.last_read_number FROM {read} r
             WHERE r.topic_id = t.id AND r.user_id = %s) AS c4,
            (SELECT w.level FROM {watch} w
             WHERE w.topic_id = t.id AND w.user_id = %s) AS c5,
            CASE WHEN EXISTS(SELECT 1 FROM {escalation} e
                   WHERE e.topic_id = t.id AND e.member_id = %s)
                 THEN 1 ELSE 0 END AS c6,
            CASE WHEN EXISTS(SELECT 1 FROM {request} b
                   WHERE b.topic_id = t.id AND b.requested_by_id = %s
                   AND b.answered_at IS NULL)
                 THEN 1 ELSE 0 END AS c7,
            CAST(NULL AS TEXT) AS note
        FROM {topic} t WHERE t.id = %s
        UNION ALL
        SELECT 1, number, author_id, liked, flagged, 0, 0, note FROM (
            SELECT p.number, p.author_id,
                CASE WHEN EXISTS(SELECT 1 FROM {like} l
                       WHERE l.post_id = p.id AND l.user_id = %s)
                     THEN 1 ELSE 0 END AS liked,
                (SELECT k.note FROM {bookmark} k
                 WHERE k.post_id = p.id AND k.user_id = %s) AS note,
                CASE WHEN EXISTS(SELECT 1 FROM {flag} f
                       WHERE f.post_id = p.id AND f.flagger_id = %s
                       AND f.status IN (%s, %s))
                     THEN 1 ELSE 0 END AS flagged
            FROM {post} p
            WHERE p.topic_id = %s AND p.number >= %s AND p.number <= %s
            ORDER BY p.number LIMIT %s
        ) mine
        WHERE author_id = %s OR liked = 1 OR note IS NOT NULL OR flagged = 1
        ORDER BY 1, 2"""  # noqa: S608 (table names only)
    params: list[int | str] = [
        *([user.pk] * 4),
        topic_id,
        *([user.pk] * 3),
        FlagStatus.OPEN,
        FlagStatus.DEFERRED,
        topic_id,
        (page - 1) * POSTS_PER_PAGE + 1,
        page * POSTS_PER_PAGE,
        # At most a page matches; the LIMIT keeps the plan on (topic, number)
        # on a large topic's first page (see topic_posts).
        POSTS_PER_PAGE,
        user.pk,
    ]
    # A raw cursor bypasses the database router: ask it, so this read goes
    # to a replica like the page's other reads (config.db_router).
    with connections[router.db_for_read(Topic) or "default"].cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    if not found or found[0][0] != 0:
        return None
    _, last_post_number, author_id, read_up_to, watch_level, escalated, asked, _ = (
        found[0]
    )
    rows = [
        (n, a, liked, note, flagged)
        for _, n, a, liked, flagged, _, _, note in found[1:]
    ]
    return ReaderPage(
        read_up_to=read_up_to or 0,
        watch_level=watch_level,
        last_post_number=last_post_number,
        is_topic_author=author_id is not None and author_id == user.pk,
        escalated=bool(escalated),
        asked_brand=bool(asked),
        posts=tuple(
            (number, author == user.pk, bool(liked), note, bool(flagged))
            for number, author, liked, note, flagged in rows
        ),
    )


def page_query(params: dict[str, Any]) -> str:
    """Query string of the filters to keep on pagination links, ending in '&'."""
    from urllib.parse import urlencode

    kept = {k: v for k, v in params.items() if v and k != "page"}
    return urlencode(kept) + "&" if kept else ""


def brands() -> list[Brand]:
    return list(Brand.objects.order_by("name"))


@dataclass(frozen=True)
class BrandAsk:
    """What a topic's brand panel offers the reader: the brands they may ask
    (no open request on the topic waits in that brand's queue) and the brands
    they asked, whose requests are still open."""

    offer: list[Brand]
    asked_by_me: list[Brand]


def brands_to_ask(actor: Actor, topic: Topic) -> BrandAsk:
    """One query: every brand, with whether an open request on *topic* waits
    in its queue and whether the reader made it."""
    open_requests = BrandRequest.objects.filter(
        topic=topic, brand=OuterRef("pk"), answered_at__isnull=True
    )
    mine = (
        open_requests.filter(requested_by_id=actor.pk)
        if actor.is_authenticated
        else open_requests.none()
    )
    rows = list(
        Brand.objects.annotate(
            requested=Exists(open_requests), asked_by_me=Exists(mine)
        ).order_by("name")
    )
    return BrandAsk(
        offer=[brand for brand in rows if not brand.requested],
        asked_by_me=[brand for brand in rows if brand.asked_by_me],
    )


def _brand_requests(actor: Actor) -> QuerySet[BrandRequest]:
    """Open requests for the actor's brand (every brand for admins)."""
    requests = BrandRequest.objects.filter(answered_at__isnull=True)
    if policy.is_brand_rep(actor):
        # A representative without a brand has no requests to answer.
        requests = (
            requests.filter(brand_id=actor.brand_id)
            if actor.brand_id is not None
            else requests.none()
        )
    return requests.select_related(
        "topic", "topic__category", "brand", "requested_by"
    ).order_by("created_at", "pk")


def open_brand_requests(actor: Actor) -> QuerySet[BrandRequest]:
    """Open requests the actor can answer now, oldest first: in topics they may
    reply to (a reply is the answer)."""
    answerable = policy.topics_open_to_replies(actor, Topic.objects.all())
    return _brand_requests(actor).filter(topic__in=answerable)


@dataclass(frozen=True)
class WorkNav:
    """What the header offers each role (``work_nav``)."""

    moderation: WaitingWork | None  # None: not a moderator
    brand_requests: int | None  # None: not a representative
    is_admin: bool


def work_nav(user: Actor) -> WorkNav:
    """A moderator's review and appeals counts, a representative's brand
    queue count, whether the admin links show: one query for those who have
    a queue, none for members and visitors."""
    return WorkNav(
        moderation=waiting_work(user),
        brand_requests=brand_queue_size(user),
        is_admin=policy.is_admin(user),
    )


def brand_queue_size(actor: Actor) -> int | None:
    """The count behind a representative's "Brand requests (N)" header link,
    in one query; None (and no query) for everyone else. Administrators may
    answer requests too (the policy), but the queue is a representative's
    daily work, so only representatives get the link."""
    if not actor.is_authenticated or not policy.is_brand_rep(actor):
        return None
    if not policy.can(actor, Perm.ANSWER_BRAND_REQUESTS, None):
        return None
    return open_brand_requests(actor).count()


def brand_requests_on_hold(actor: Actor) -> QuerySet[BrandRequest]:
    """Open requests in topics the actor may read but not reply to (a
    moderator locked or closed the topic): no longer work to do, so the queue
    lists them apart; they come back if the topic is reopened."""
    visible = policy.visible_topics(actor, Topic.objects.all())
    answerable = policy.topics_open_to_replies(actor, Topic.objects.all())
    return (
        _brand_requests(actor)
        .filter(topic__in=visible, topic__deleted_at__isnull=True)
        .exclude(topic__in=answerable)
    )


def attach_tombstones(topic: Topic, posts: Sequence[Post]) -> list[ModerationAction]:
    """Set `.tombstones` on each post (the public moderation records on it) and
    return the topic-level records (lock, move, merge …), with one query."""
    actions = list(
        ModerationAction.objects.filter(
            Q(post__in=[p.pk for p in posts]) | Q(topic=topic, post__isnull=True)
        )
        .select_related("appeal")
        .order_by("created_at", "pk")
    )
    by_post: dict[int, list[ModerationAction]] = {}
    topic_level = []
    for action in actions:
        if action.post_id is None:
            topic_level.append(action)
        else:
            by_post.setdefault(action.post_id, []).append(action)
    for post in posts:
        post.tombstones = by_post.get(post.pk, [])
    return topic_level


def user_bookmarks(user: User) -> QuerySet[Bookmark]:
    """*user*'s bookmarks, newest first, with what /bookmarks/ shows.

    Each bookmark carries `post_visible`: whether the policy still lets *user*
    see the post (a topic moved to a restricted category, hidden or deleted
    since). Constant queries per page, whatever the number of bookmarks.
    """
    visible = policy.visible_posts(user, Post.objects.filter(pk=OuterRef("post_id")))
    return (
        Bookmark.objects.filter(user=user)
        .select_related("post", "post__topic", "post__topic__category")
        .defer("post__body_html", "post__body_source", "post__search_vector")
        # Bookmark declares post_visible; the django-stubs plugin calls it a redefinition.
        .annotate(post_visible=Exists(visible))  # type: ignore[no-redef]
        .order_by("-created_at", "-pk")
    )


def newest_public_topic(category_id: int) -> tuple[int, datetime] | None:
    """(pk, last_posted_at) of the topic a category's card names as its latest:
    the newest live, not hidden one (resync_counters computes the same)."""
    return (
        Topic.objects.filter(
            category_id=category_id, deleted_at__isnull=True, is_hidden=False
        )
        .order_by("-last_posted_at", "-pk")
        .values_list("pk", "last_posted_at")
        .first()
    )
