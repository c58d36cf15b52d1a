"""Every URL that accepts POST, walked as a brand representative against
someone else's post and topic.

The URLs are collected from the URLconf, so a new endpoint is covered
automatically. Endpoints a representative may legitimately use (their own
account, replying, liking, escalating …) are listed in PEER_ENDPOINTS; for
those the member's content must come out unchanged. Every other endpoint
must answer 403, 404 or 405 (or send a non-staff visitor to the admin
login) and leave the whole database as it was.
"""

import re

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from forum.models import CategoryKind, Post, Topic
from moderation.models import AuditEntry, ModeratorAssignment, Sanction
from tests.factories import (
    PASSWORD,
    make_brand_rep,
    make_category,
    make_moderator,
    make_post,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

# URL names a brand representative may POST to as a peer. Anything not
# listed must be refused.
PEER_ENDPOINTS = {
    # their own account
    "account_login",
    "account_logout",
    "account_signup",
    "account_reauthenticate",
    "account_email",
    "account_change_password",
    "account_set_password",
    "account_reset_password",
    "account_confirm_login_code",
    "account_confirm_email",
    "account_reset_password_from_key",
    "account_email_verification_sent",
    "account_inactive",
    "account_reset_password_done",
    "account_reset_password_from_key_done",
    "settings",
    "unsubscribe",  # a signed token changes only its holder's email preferences
    "login",  # /admin/login/ and /admin/logout/: their own session only
    "logout",
    # taking part as a peer resource
    "topic_start",
    "reply",
    "preview",
    "post_like",
    "post_bookmark",  # private to the representative; changes nobody's content
    "escalate",
    "idea_status",
    "flag_post",
    # their own notifications: watch levels, read state, email preferences
    # (notifications.actions checks the topic/category is visible and the
    # notification is theirs; none of it touches anyone else's content)
    "watch_topic",
    "watch_category",
    "mark_read",
    "mark_all_read",
    "preferences",
}

TOPIC_FIELDS = [
    "title",
    "slug",
    "category_id",
    "is_hidden",
    "is_locked",
    "is_pinned",
    "deleted_at",
    "author_id",
]
POST_FIELDS = [
    "topic_id",
    "number",
    "body_source",
    "body_html",
    "is_hidden",
    "hide_reason",
    "deleted_at",
    "author_id",
    "author_role",
]


def _patterns(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name or ""


def _fill(route: str, values: dict[str, str]) -> str:
    def route_param(match):
        return values.get(match.group(2), "1")

    def regex_param(match):
        return values.get(match.group(1), "1")

    url = re.sub(r"<(?:(\w+):)?(\w+)>", route_param, route)
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", regex_param, url)
    url = url.replace("^", "").replace("$", "")
    return "/" + url


def _all_post_urls(values: dict[str, str]):
    seen = set()
    for route, name in _patterns(get_resolver().url_patterns):
        url = _fill(route, values)
        if url not in seen:
            seen.add(url)
            yield url, name


# The representative's own bookkeeping of signing in and visiting.
BOOKKEEPING = {"accounts.UserVisit", "sessions.Session"}
BOOKKEEPING_COLUMNS = {"last_login", "last_seen_at"}


def _fingerprint() -> dict[str, list]:
    """Every row of every table, for an exact before/after comparison."""
    snapshot = {}
    for model in apps.get_models():
        if model._meta.label in BOOKKEEPING:
            continue
        columns = [
            f.attname
            for f in model._meta.concrete_fields
            if f.attname not in BOOKKEEPING_COLUMNS
        ]
        snapshot[model._meta.label] = sorted(
            model._default_manager.order_by().values_list(*columns), key=repr
        )
    return snapshot


def _content(topic: Topic, post: Post) -> tuple:
    topic = Topic.objects.values(*TOPIC_FIELDS).get(pk=topic.pk)
    post = Post.objects.values(*POST_FIELDS).get(pk=post.pk)
    return topic, post


@pytest.fixture
def scene():
    category = make_category("General", slug="general")
    other = make_category("Elsewhere", slug="elsewhere")
    make_category("Ideas", slug="ideas", kind=CategoryKind.IDEAS)
    critic = make_user("critic")
    make_moderator(category, "mira")
    topic = make_topic(category, critic, title="The grinder burrs are misaligned")
    post = make_post(topic, make_user("second"), body="Same here, support was slow.")
    rep = make_brand_rep("marco")
    return {"topic": topic, "post": post, "critic": critic, "rep": rep, "other": other}


def test_brand_rep_cannot_change_others_content_through_any_post_url(client, scene):
    topic, post, rep = scene["topic"], scene["post"], scene["rep"]
    values = {
        "post_id": str(post.pk),
        "topic_id": str(topic.pk),
        "number": str(post.number),
        "username": scene["critic"].username,
        "object_id": str(post.pk),
        "user_id": str(scene["critic"].pk),
        "slug": "general",
        "app_label": "forum",
        "model_name": "post",
        "content_type_id": "1",
        "key": "bogus",
        "uidb36": "1",
        "path": "x",
        "url": "x",
    }
    payload = {
        "body": "Rewritten by the brand.",
        "title": "Nothing to see here",
        "reason": "Competitor link",
        "rule": "1",
        "action": "hide",
        "category": str(scene["other"].pk),
        "status": "declined",
        "note": "Closing this",
        "reply_to": str(post.pk),
        "brand": str(rep.brand_id),
        "kind": "suspension",
        "user": str(scene["critic"].pk),
        "is_hidden": "on",
        "duration": "30",
    }
    checked = []
    for url, name in _all_post_urls(values):
        # Topic URLs with a slug take the topic's slug.
        if url.startswith("/t/"):
            url = url.replace("/general/", f"/{topic.slug}/")
        client.login(username=rep.username, password=PASSWORD)
        content_before = _content(topic, post)
        counts_before = (
            AuditEntry.objects.count(),
            Sanction.objects.count(),
            ModeratorAssignment.objects.count(),
        )
        everything_before = None if name in PEER_ENDPOINTS else _fingerprint()

        response = client.post(url, payload)

        checked.append(url)
        assert _content(topic, post) == content_before, url
        assert (
            AuditEntry.objects.count(),
            Sanction.objects.count(),
            ModeratorAssignment.objects.count(),
        ) == counts_before, url
        if name in PEER_ENDPOINTS:
            assert response.status_code < 500, url
            continue
        if url.startswith("/admin/") and response.status_code == 302:
            assert "/admin/login/" in response["Location"], url
        else:
            assert response.status_code in (403, 404, 405), (url, response.status_code)
        assert _fingerprint() == everything_before, url

    assert any("/edit/" in url for url in checked)
    assert len(checked) > 50  # the admin alone has dozens
