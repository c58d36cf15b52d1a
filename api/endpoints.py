"""The read API, /api/v1/ (issue 24): django-ninja routes over api.queries.

Thin like every view: resolve the reader (api.auth), ask api.queries (the
pages' selectors and the policy), shape the answer (api.schemas). Errors
are JSON: 400 for a bad cursor, 401 for a bad token, 404 for what the
reader may not see (as the pages answer), 429 with Retry-After.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from accounts.roles import Role
from api import queries
from api.auth import RateLimited, TokenAuth, TokenRefused, anonymous
from api.cursors import BadCursor
from api.schemas import (
    CategoryList,
    Error,
    HealthOut,
    LogPage,
    PostPage,
    ProfileOut,
    TopicPage,
)
from forum.models import Category, Post, Topic
from moderation.models import ModerationAction
from permissions import policy
from permissions.policy import Actor, Perm

api = NinjaAPI(
    title="Hearth read API",
    version="1",
    description=(
        "Read-only JSON for integrations. Without a token a request sees what "
        "a visitor sees; with `Authorization: Bearer <token>` (created in "
        "your settings) it sees what the token's owner sees. Lists are "
        "paginated with an opaque `cursor`: pass the previous answer's "
        "`next_cursor` until it is null."
    ),
    urls_namespace="api",
    auth=[TokenAuth(), anonymous],
    docs_url="/docs",
    openapi_url="/openapi.json",
    # The document and its docs page are read-only like the rest.
    docs_decorator=require_GET,
)

ERRORS: dict[int, Any] = {400: Error, 401: Error, 404: Error, 429: Error}


def _error(request: HttpRequest, status: int, detail: str) -> HttpResponse:
    return api.create_response(request, {"detail": detail}, status=status)


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = _error(
        request, 429, "Too many requests: wait for the next minute's allowance."
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(TokenRefused)
def _token_refused(request: HttpRequest, exc: TokenRefused) -> HttpResponse:
    response = _error(request, 401, str(exc))
    response["WWW-Authenticate"] = 'Bearer realm="hearth"'
    return response


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "Send “Authorization: Bearer <token>” or nothing.")


@api.exception_handler(BadCursor)
def _bad_cursor(request: HttpRequest, exc: BadCursor) -> HttpResponse:
    return _error(request, 400, str(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "Not found.")


@api.exception_handler(PermissionDenied)
def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    # The reads here conceal (404) what a reader may not see; a plain denial
    # is answered the same way, so nothing's existence leaks.
    return _error(request, 404, "Not found.")


def _reader(request: HttpRequest) -> Actor:
    reader: Actor = request.auth  # type: ignore[attr-defined]
    return reader


def _url(path: str) -> str:
    return settings.SITE_URL + path


# --- Shapes ------------------------------------------------------------------------------


def _category(category: Category) -> dict[str, Any]:
    return {
        "id": category.pk,
        "slug": category.slug,
        "name": category.name,
        "description": category.description,
        "kind": category.kind,
        "parent": category.parent.slug if category.parent else None,
        "restricted_to_group": (
            category.restricted_to.slug if category.restricted_to else None
        ),
        "topic_count": category.topic_count,
        "post_count": category.post_count,
        "last_posted_at": category.last_posted_at,
        "url": _url(category.get_absolute_url()),
    }


def _topic(topic: Topic) -> dict[str, Any]:
    return {
        "id": topic.pk,
        "title": topic.title,
        "slug": topic.slug,
        "category": topic.category.slug,
        "author": topic.author_name,
        "created_at": topic.created_at,
        "last_posted_at": topic.last_posted_at,
        "reply_count": topic.reply_count,
        "like_count": topic.like_count,
        "is_pinned": topic.is_pinned,
        "is_locked": topic.is_locked,
        "is_closed": topic.is_closed,
        "is_hidden": topic.is_hidden,
        "is_solved": topic.is_solved,
        "idea_status": topic.idea_status,
        "tags": [tag.slug for tag in topic.tags.all()],
        "url": _url(topic.get_absolute_url()),
    }


def _post(topic: Topic, post: Post, author_usernames: dict[int, str]) -> dict[str, Any]:
    state, readable = queries.post_state(post)
    return {
        "id": post.pk,
        "number": post.number,
        "author": post.author_name,
        "author_username": author_usernames.get(post.author_id or 0),
        "author_role": post.author_role,
        "author_brand": post.author_brand.slug if post.author_brand else None,
        "created_at": post.created_at,
        "edited_at": post.edited_at,
        "like_count": post.like_count,
        "is_official_answer": post.is_official_answer,
        "is_accepted_answer": topic.accepted_post_id == post.pk,
        "state": state,
        "hide_reason": post.hide_reason if state == "hidden" else None,
        "body_html": post.body_html if readable else None,
        "body_markdown": post.body_source if readable else None,
        "url": _url(topic.get_post_url(post.number)),
    }


def _log_entry(action: ModerationAction, names: bool) -> dict[str, Any]:
    target = action.target_topic
    member = None
    if action.target_name and (target is not None or not action.concerns_topic):
        member = action.target_name
    appeal = action.the_appeal
    return {
        "id": action.pk,
        "created_at": action.created_at,
        "kind": action.kind,
        "actor_alias": action.actor_alias,
        "actor_role": action.actor_role,
        "actor_name": action.actor_name if names else None,
        "category": action.category.slug if action.category else None,
        "topic_id": target.pk if target else None,
        "topic_title": target.title if target else None,
        "post_number": action.post.number if target and action.post else None,
        "member": member,
        "rule": action.rule_text,
        "reason": action.reason,
        "reversed_at": action.reversed_at,
        "appeal": None
        if appeal is None
        else {
            "status": appeal.status,
            "decided_at": appeal.decided_at,
            "decided_by": appeal.decided_by_alias if appeal.decided_at else None,
            "reason": appeal.decision_reason if appeal.decided_at else None,
        },
    }


# --- Routes ------------------------------------------------------------------------------


@api.get(
    "/categories",
    response={200: CategoryList, **ERRORS},
    url_name="api_categories",
    summary="Categories the reader may see",
)
def categories(request: HttpRequest) -> dict[str, Any]:
    """Top-level categories, each followed by its visible subcategories."""
    items: list[dict[str, Any]] = []
    for category in queries.categories(_reader(request)):
        items.append(_category(category))
        items += [_category(child) for child in category.visible_children]
    return {"items": items}


@api.get(
    "/categories/{slug}/topics",
    response={200: TopicPage, **ERRORS},
    url_name="api_category_topics",
    summary="A category's topics, newest activity first",
)
def category_topics(
    request: HttpRequest, slug: str, cursor: str | None = None
) -> dict[str, Any]:
    page = queries.category_topics(_reader(request), slug, cursor)
    return {"items": [_topic(t) for t in page.items], "next_cursor": page.next_cursor}


@api.get(
    "/topics/latest",
    response={200: TopicPage, **ERRORS},
    url_name="api_latest_topics",
    summary="Every topic the reader may see, newest activity first",
)
def latest_topics(request: HttpRequest, cursor: str | None = None) -> dict[str, Any]:
    page = queries.latest_topics(_reader(request), cursor)
    return {"items": [_topic(t) for t in page.items], "next_cursor": page.next_cursor}


@api.get(
    "/topics/{topic_id}/posts",
    response={200: PostPage, **ERRORS},
    url_name="api_topic_posts",
    summary="A topic and its posts, in order",
)
def topic_posts(
    request: HttpRequest, topic_id: int, cursor: str | None = None
) -> dict[str, Any]:
    """Every post, as the topic page shows it: hidden posts and posts pending
    review keep their words (readable on click on the page) with their
    state; removed and deleted posts are tombstones without words."""
    reader = _reader(request)
    topic = queries.topic(reader, topic_id)
    page = queries.topic_posts(reader, topic, cursor)
    usernames = queries.author_usernames(page.items)
    return {
        "topic": _topic(topic),
        "items": [_post(topic, post, usernames) for post in page.items],
        "next_cursor": page.next_cursor,
    }


@api.get(
    "/users/{username}",
    response={200: ProfileOut, **ERRORS},
    url_name="api_user",
    summary="A member's public profile",
)
def user(request: HttpRequest, username: str) -> dict[str, Any]:
    person, done = queries.profile(_reader(request), username)
    return {
        "username": person.username,
        "name": person.name,
        "role": person.role,
        "brand": person.brand.slug if person.brand else None,
        "trust_level": person.trust_level if person.role == Role.MEMBER else None,
        "bio": person.bio,
        "joined": person.date_joined,
        "groups": [group.slug for group in done.groups],
        "helped": 0 if person.role == Role.BRAND_REP else done.helped,
        "accepted_answers": done.accepted_count,
        "url": _url(person.get_absolute_url()),
    }


@api.get(
    "/moderation-log",
    response={200: LogPage, **ERRORS},
    url_name="api_moderation_log",
    summary="The public moderation log, newest first",
)
def moderation_log(request: HttpRequest, cursor: str | None = None) -> dict[str, Any]:
    """Moderators appear by role and alias; their names only to readers the
    policy lets see them (VIEW_MODERATOR_NAMES), as on the log page."""
    reader = _reader(request)
    page = queries.moderation_log(reader, cursor)
    names = policy.can(reader, Perm.VIEW_MODERATOR_NAMES, None)
    return {
        "items": [_log_entry(action, names) for action in page.items],
        "next_cursor": page.next_cursor,
    }


@api.get(
    "/health",
    response={200: HealthOut, **ERRORS},
    url_name="api_health",
    summary="Community health figures, twelve months",
)
def health(request: HttpRequest, category: str = "") -> dict[str, Any]:
    """The health page's tables for the whole community or one public
    category (?category=<slug>)."""
    data = queries.health(category.strip())
    return {
        "category": data.category.slug if data.category else None,
        "computed_at": data.computed_at,
        "tables": [
            {
                "key": table.key,
                "title": table.title,
                "columns": [
                    {"key": c.key, "label": c.label, "unit": c.unit}
                    for c in table.columns
                ],
                "rows": [
                    {"month": month, "values": row}
                    for month, row in zip(table.months, table.rows, strict=True)
                ],
            }
            for table in data.tables
        ],
    }
