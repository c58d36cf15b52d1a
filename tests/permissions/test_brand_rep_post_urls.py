"""Every URL that accepts POST, walked as a brand representative against
someone else's post and topic, and again against the representative's own
announcement (which members answered, one of them critically).

The URLs are collected from the URLconf, so a new endpoint is covered
automatically. Endpoints a representative may legitimately use (their own
account, replying, liking, escalating …) are listed in PEER_ENDPOINTS; for
those the member's content must come out unchanged. Every other endpoint
must answer 403, 404 or 405 (or send a non-staff visitor to the admin
login) and leave the whole database as it was; against their own post, the
representative may also edit and delete it (OWN_CONTENT_ENDPOINTS).

Rows are not the promise; what people see is. After EVERY request, every
other member's post that an anonymous visitor (and its author) could see
before the walk must still be visible to them over HTTP, its body byte for
byte, or carry a public moderation tombstone (tests/permissions/effects.py).
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import CommunityGroup, GroupMembership, JoinPolicy
from conversations.models import Conversation
from forum.models import CategoryKind, Escalation, Post, Topic
from groups.models import GroupApplication
from moderation.models import AuditEntry, ModeratorAssignment, Sanction
from polls.models import Poll, PollOption, PollVote
from support.models import SupportDesk
from tests.factories import (
    PASSWORD,
    make_brand_rep,
    make_category,
    make_moderator,
    make_post,
    make_tag,
    make_topic,
    make_user,
)
from tests.permissions.effects import VisibleWords, data_state

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
    # sign-in with an existing identity (allauth's social accounts): their own
    # sign-in and their own linked identities
    "openid_connect_login",
    "openid_connect_callback",
    "socialaccount_signup",
    "socialaccount_connections",
    "socialaccount_login_cancelled",
    "socialaccount_login_error",
    "account_reset_password_done",
    "account_reset_password_from_key_done",
    "settings",
    "welcome_dismiss",  # hides the newcomer's welcome for themselves only
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
    # "Confirmed by <brand>" (recognition): a label under a member's answer;
    # the walk checks the member's words stay as they were, for everyone.
    "confirm",
    # ideas: a representative may vote (counted apart, never in the total);
    # deciding is refused here (the walker's representative is no decision owner)
    "vote",
    "unvote",
    "flag_post",
    # their own notifications: watch levels, read state, email preferences
    # (notifications.actions checks the topic/category is visible and the
    # notification is theirs; none of it touches anyone else's content)
    "watch_topic",
    "watch_category",
    "mark_read",
    "mark_all_read",
    "preferences",
    # groups: applying or joining for themselves, and recommending an
    # applicant (managers still decide); managing is refused below
    "group_join",
    "group_apply",
    "group_recommend",
    # conversations: starting one is asked of the policy (a representative
    # may write first only to a member with an open request with their
    # brand); replying, muting, leaving, deleting one's own message,
    # reporting a message and ignoring a member change only the
    # representative's own conversations and settings, never a public post.
    "conversation_start",
    "conversation",
    "conversation_mute",
    "conversation_leave",
    "message_delete",
    "message_report",
    "member_ignore",
    # uploads: a file of their own for their own post (nothing is shown
    # until a post of theirs shows it)
    "upload",
    # privacy (issue 24): the representative's own data only. Asking for an
    # archive of it; deleting their own account (the walker's payload has no
    # password, so the form comes back); emailing themself the confirmation
    # link; a bogus confirmation link sends them back to the form.
    "export_request",
    "delete_account",
    "delete_account_email",
    "delete_account_confirm",
    # the read API (issue 24): their own tokens, which read what they read
    # (the API itself is GET only: every POST there is a 405)
    "tokens",
    "token_revoke",
}
# allauth's deprecated social-account URLs (unnamed): each only redirects,
# permanently, to its named /accounts/3rdparty/ successor above.
LEGACY_REDIRECTS = {
    "/accounts/social/login/cancelled/",
    "/accounts/social/login/error/",
    "/accounts/social/signup/",
    "/accounts/social/connections/",
}
# What a representative may do to their own post (and nobody else's).
OWN_CONTENT_ENDPOINTS = {"post_edit", "post_delete"}

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


# Every row of every table but the representative's sign-in bookkeeping.
_fingerprint = data_state


def _content(topic: Topic, post: Post) -> tuple:
    topic = Topic.objects.values(*TOPIC_FIELDS).get(pk=topic.pk)
    post = Post.objects.values(*POST_FIELDS).get(pk=post.pk)
    return topic, post


@pytest.fixture
def scene():
    category = make_category("General", slug="general")
    other = make_category("Elsewhere", slug="elsewhere")
    make_category("Ideas", slug="ideas", kind=CategoryKind.IDEAS)
    news = make_category("News", slug="news", kind=CategoryKind.ANNOUNCEMENTS)
    make_tag("grinders")
    critic = make_user("critic")
    make_moderator(category, "mira")
    topic = make_topic(category, critic, title="The grinder burrs are misaligned")
    post = make_post(topic, make_user("second"), body="Same here, support was slow.")
    rep = make_brand_rep("marco")
    announcement = make_topic(
        news,
        rep,
        title="Introducing the G2 grinder",
        body="Say hello to the G2.",
        tags=["grinders"],
    )
    critical = make_post(
        announcement,
        critic,
        body="Mine broke after **two weeks** and support never answered.",
    )
    make_post(announcement, make_user("fan"), body="Looks *great*, ordered one.")
    make_post(announcement, rep, body="Thanks, all!")
    # Polls: a member's poll on the member's topic, with the critic's vote.
    poll = Poll.objects.create(topic=topic, author=topic.author, question="Burrs?")
    first_option = PollOption.objects.create(poll=poll, position=1, text="Aligned")
    PollOption.objects.create(poll=poll, position=2, text="Misaligned")
    PollVote.objects.create(poll=poll, option=first_option, voter=critic)
    Topic.objects.filter(pk=topic.pk).update(has_poll=True)
    # groups: a beta whose slug the walker fills in ("general"), the critic
    # a member of it (a representative removing them must be refused) and an
    # application waiting for its managers.
    beta = CommunityGroup.objects.create(
        name="General beta", slug="general", join_policy=JoinPolicy.APPLICATION
    )
    make_category("Beta lab", slug="beta-lab", restricted_to=beta)
    GroupMembership.objects.create(group=beta, user=critic)
    application = GroupApplication.objects.create(
        group=beta, applicant=make_user("applicant"), created_at=timezone.now()
    )
    # Support: the brand's desk takes signed callbacks; the representative
    # has a session but not the desk's signature, so the callback refuses them.
    SupportDesk.objects.create(brand=rep.brand, webhook_secret="desk-secret")
    return {
        "application": application,
        "poll": poll,
        "poll_option": first_option,
        "topic": topic,
        "post": post,
        "critic": critic,
        "rep": rep,
        "other": other,
        "announcement": announcement,
        "critical": critical,
    }


def _values(scene, topic, post) -> dict[str, str]:
    return {
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
        "poll_id": str(scene["poll"].pk),
        "application_id": str(scene["application"].pk),
        "brand_slug": scene["rep"].brand.slug,
        "job_id": "1",
    }


def _payload(scene, post) -> dict[str, str]:
    rep = scene["rep"]
    return {
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
        "option": str(scene["poll_option"].pk),
        "question": "Rewritten by the brand?",
        "options": "Yes\nNo",
        "decision": "accept",
        "outcome": "open",
        "username": "marco",
        # conversations: a cold message to the critic, who asked the brand nothing
        "to": scene["critic"].username,
        "subject": "About your criticism",
    }


def _walk(client, scene, topic, post, *, own: bool) -> list[tuple[str, str, int]]:
    """POST to every URL as the representative, aimed at *topic* and *post*;
    after each request, check rows (for someone else's content) and effects
    (always). Returns (url, name, status) for each request."""
    rep = scene["rep"]
    member_topic, member_post = scene["topic"], scene["post"]
    words = VisibleWords(rep)
    seen = words.record()
    # Both topics' member posts, to anonymous and to their authors.
    assert len(seen) == 8, seen
    payload = _payload(scene, post)
    walked = []
    for url, name in _all_post_urls(_values(scene, topic, post)):
        # Topic URLs with a slug take the topic's slug.
        if url.startswith("/t/"):
            url = url.replace("/general/", f"/{topic.slug}/")
        client.login(username=rep.username, password=PASSWORD)
        content_before = _content(member_topic, member_post)
        counts_before = (
            AuditEntry.objects.count(),
            Sanction.objects.count(),
            ModeratorAssignment.objects.count(),
        )
        exempt = name in PEER_ENDPOINTS or (own and name in OWN_CONTENT_ENDPOINTS)
        everything_before = None if exempt else _fingerprint()

        response = client.post(url, payload)

        walked.append((url, name, response.status_code))
        everything_after = _fingerprint()
        words.check(url, everything_after)
        assert _content(member_topic, member_post) == content_before, url
        assert (
            AuditEntry.objects.count(),
            Sanction.objects.count(),
            ModeratorAssignment.objects.count(),
        ) == counts_before, url
        if exempt:
            assert response.status_code < 500, url
            continue
        if url in LEGACY_REDIRECTS:
            assert response.status_code == 301, url
            assert "/accounts/3rdparty/" in response["Location"], url
        elif url.startswith("/admin/") and response.status_code == 302:
            assert "/admin/login/" in response["Location"], url
        else:
            assert response.status_code in (403, 404, 405), (url, response.status_code)
        assert everything_after == everything_before, url
    words.final_check("after the walk")
    # Bounded: one page per (viewer, topic page) after each request that
    # changed a row, none after the others.
    pages = 6  # two topics, each read by anonymous and by two authors
    assert words.checks == len(walked)
    assert words.full_checks < len(walked) // 4
    assert words.pages_read == pages * (1 + words.full_checks + 2)
    return walked


def test_brand_rep_cannot_change_others_content_through_any_post_url(client, scene):
    walked = _walk(client, scene, scene["topic"], scene["post"], own=False)

    urls = [url for url, _name, _status in walked]
    assert any("/edit/" in url for url in urls)
    # insights: the listening report and give-and-get pages are read-only.
    statuses = {name: status for _url, name, status in walked}
    assert statuses["desk_callback"] == 403  # support: no signature, no status change
    assert statuses["report"] == statuses["give_get"] == 405
    assert statuses["community_give_get"] == 405
    # Elsewhere (issue 19): pages are read-only; a withdrawal needs the signed
    # link sent to the community's owner.
    assert statuses["sources"] == statuses["highlights_json"] == 405
    assert statuses["withdraw"] == 404
    # groups: every management verb refused, the critic still a member.
    for name in (
        "group_decide",
        "group_remove_member",
        "group_add_member",
        "group_end_beta",
    ):
        assert statuses[name] == 403, name
    assert GroupMembership.objects.filter(user=scene["critic"]).exists()
    # Peers first: routing a topic is a moderator's; confirming is the
    # representative's, and leaves the member's post as it was.
    assert statuses["route_to_brand"] == 403
    assert statuses["confirm"] == 302
    # conversations: the representative may write first to the critic only
    # because the walk escalated the critic's topic ("escalate", earlier);
    # the report queue is the admins', and invite links are the members'.
    escalated = Escalation.objects.filter(
        member=scene["critic"], brand=scene["rep"].brand
    ).exists()
    assert statuses["conversation_start"] == (302 if escalated else 400)
    assert Conversation.objects.exists() is escalated
    assert statuses["message_report_resolve"] == 403
    assert statuses["message_reports"] == 405
    assert statuses["invitations"] == 403
    assert len(urls) > 50  # the admin alone has dozens


def test_brand_rep_acting_on_own_announcement_keeps_members_replies(client, scene):
    """The representative's own topic, walked with their own first post as the
    target: editing and deleting it are theirs to do, but the members'
    replies (the critical one included) stay, for everyone."""
    announcement = scene["announcement"]
    first = announcement.first_post

    walked = _walk(client, scene, announcement, first, own=True)

    deletes = [s for _u, name, s in walked if name == "post_delete"]
    assert deletes and deletes[0] == 302  # the first-post delete path was taken
    first.refresh_from_db()
    announcement.refresh_from_db()
    assert first.deleted_at is not None
    assert announcement.deleted_at is None
    page = Client().get(announcement.get_absolute_url())
    assert b"two weeks" in page.content
    assert b"This post was deleted by its author." in page.content
