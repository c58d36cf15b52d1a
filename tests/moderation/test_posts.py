"""Moderator actions on posts: hide, unhide, remove, redact; over HTTP and as actions."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum import actions as forum_actions
from forum.models import Post, PostRevision
from moderation.actions.posts import (
    REVERSALS,
    hide_post,
    redact_post,
    remove_post,
    unhide_post,
)
from moderation.models import (
    ActionKind,
    AuditEntry,
    ModerationAction,
    Redaction,
    Rule,
)
from notifications.models import Event
from tests.factories import (
    make_admin,
    make_category,
    make_moderator,
    make_post,
    make_user,
)

pytestmark = pytest.mark.django_db

PHONE = "+44 20 7946 0958"
VERBS = ["hide", "unhide", "remove", "redact"]


@pytest.fixture
def rule():
    return Rule.objects.create(number=1, title="Be kind")


def _url(verb: str, post: Post) -> str:
    return reverse(f"moderation:post_{verb}", args=[post.pk])


def _payload(verb: str, rule: Rule) -> dict[str, str]:
    data = {"rule": str(rule.pk), "reason": "Insulting another member"}
    if verb == "remove":
        data["kind"] = "spam"
    if verb == "redact":
        data["text"] = "citric"
    return data


def _state(post: Post) -> tuple:
    row = Post.objects.values(
        "is_hidden", "removed_at", "body_source", "body_html", "hide_reason"
    ).get(pk=post.pk)
    revisions = list(
        PostRevision.objects.filter(post=post).values_list("body_source", flat=True)
    )
    return row, revisions, ModerationAction.objects.count(), AuditEntry.objects.count()


# --- Hide and unhide over HTTP ------------------------------------------------------------


def test_hide_post_view_hides_and_redirects_to_the_post(client, moderator, post, rule):
    client.force_login(moderator)

    response = client.post(_url("hide", post), _payload("hide", rule))

    assert response.status_code == 302
    assert response["Location"] == post.topic.get_post_url(post.number)
    post.refresh_from_db()
    assert post.is_hidden is True
    assert post.hidden_by == moderator
    assert post.hide_reason == "Insulting another member"
    action = ModerationAction.objects.get()
    assert (action.kind, action.rule, action.target_user, action.post) == (
        ActionKind.POST_HIDDEN,
        rule,
        post.author,
        post,
    )


def test_hide_post_tombstone_shows_alias_rule_and_reason_to_the_public(
    client, moderator, post, rule
):
    hide_post(moderator, post, rule=rule, reason="Insulting another member")

    page = client.get(post.topic.get_absolute_url()).content.decode()

    assert "Hid a post" in page
    assert "1. Be kind" in page
    assert "Insulting another member" in page
    assert "Moderator #1" in page
    assert "mira" not in page  # the moderator's name is for staff
    # Hidden, not removed: readable on click.
    assert "Show the hidden post" in page
    assert "Use citric acid." in page


def test_hide_post_tombstone_shows_moderator_name_to_moderators(
    client, moderator, post, rule
):
    hide_post(moderator, post, rule=rule, reason="Insulting another member")
    client.force_login(make_moderator(post.topic.category, "otto"))

    page = client.get(post.topic.get_absolute_url()).content.decode()

    assert "Moderator #1" in page
    assert "mira" in page


def test_hide_post_twice_records_one_action(moderator, post, rule):
    first = hide_post(moderator, post, rule=rule, reason="Off-topic")
    second = hide_post(moderator, post, rule=rule, reason="Off-topic")

    assert first is not None
    assert second is None
    assert ModerationAction.objects.count() == 1
    assert AuditEntry.objects.filter(verb="moderation.post_hidden").count() == 1


def test_hide_post_confirms_a_post_hidden_pending_review(moderator, post, rule):
    Post.objects.filter(pk=post.pk).update(is_hidden=True, pending_review=True)
    post.refresh_from_db()

    action = hide_post(moderator, post, rule=rule, reason="The flags were right")

    assert action is not None
    post.refresh_from_db()
    assert (post.is_hidden, post.pending_review) == (True, False)


def test_hide_post_view_without_reason_rerenders_with_400(
    client, moderator, post, rule
):
    client.force_login(moderator)

    response = client.post(_url("hide", post), {"rule": str(rule.pk), "reason": " "})

    assert response.status_code == 400
    assert b"This field is required" in response.content
    post.refresh_from_db()
    assert post.is_hidden is False
    assert not ModerationAction.objects.exists()


def test_hide_post_view_accepts_other_as_rule(client, moderator, post):
    client.force_login(moderator)

    client.post(_url("hide", post), {"rule": "", "reason": "Doxxing attempt"})

    action = ModerationAction.objects.get()
    assert (action.rule, action.rule_text) == (None, "Other")


def test_unhide_post_view_shows_the_post_again(client, moderator, post, rule):
    hide_post(moderator, post, rule=rule, reason="Off-topic")
    client.force_login(moderator)

    response = client.post(
        _url("unhide", post), {"rule": "", "reason": "It was on topic after all"}
    )

    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.is_hidden, post.pending_review, post.hidden_by) == (False, False, None)
    assert list(
        ModerationAction.objects.order_by("pk").values_list("kind", flat=True)
    ) == [ActionKind.POST_HIDDEN, ActionKind.POST_UNHIDDEN]
    page = client.get(post.topic.get_absolute_url()).content.decode()
    assert "Unhid a post" in page
    assert "Show the hidden post" not in page


def test_unhide_post_on_a_visible_post_writes_nothing(moderator, post, rule):
    assert unhide_post(moderator, post, rule=rule, reason="Nothing to do") is None
    assert not ModerationAction.objects.exists()


def test_unhide_post_refuses_a_removed_post(moderator, post, rule):
    remove_post(moderator, post, kind="spam", rule=rule, reason="Link farm")

    with pytest.raises(ValidationError):
        unhide_post(moderator, post, rule=rule, reason="Oops")


def test_reversal_of_hide_shows_the_post_again(moderator, post, rule):
    action = hide_post(moderator, post, rule=rule, reason="Off-topic")

    REVERSALS[ActionKind.POST_HIDDEN](make_user("decider"), action)

    post.refresh_from_db()
    assert post.is_hidden is False
    assert ModerationAction.objects.count() == 1  # reversal writes no action


def test_reversal_of_unhide_hides_again(moderator, post, rule):
    hide_post(moderator, post, rule=rule, reason="Off-topic")
    action = unhide_post(moderator, post, rule=rule, reason="Changed my mind")

    REVERSALS[ActionKind.POST_UNHIDDEN](make_user("decider"), action)

    post.refresh_from_db()
    assert (post.is_hidden, post.hide_reason) == (True, "Off-topic")


# --- Removal -----------------------------------------------------------------------------


def test_remove_post_as_spam_removes_text_publicly_and_keeps_the_record(
    client, moderator, post, rule
):
    client.force_login(moderator)

    response = client.post(
        _url("remove", post),
        {"kind": "spam", "rule": str(rule.pk), "reason": "Link farm"},
    )

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.removed_at is not None
    assert (post.removal_kind, post.is_hidden) == ("spam", True)
    assert (post.body_source, post.body_html, post.body_text) == ("", "", "")
    # The original stays in the history only, so an appeal can restore it.
    assert list(post.revisions.values_list("body_source", flat=True)) == [
        "Use citric acid."
    ]
    action = ModerationAction.objects.get()
    assert (action.kind, action.details) == (
        ActionKind.POST_REMOVED,
        {"removal_kind": "spam"},
    )
    client.logout()
    page = client.get(post.topic.get_absolute_url()).content.decode()
    assert "Use citric acid." not in page
    assert "removed this post as spam" in page
    assert "Link farm" in page
    assert client.get(reverse("forum:post_history", args=[post.pk])).status_code == 404
    search = client.get(reverse("forum:search"), {"q": "citric"}).content.decode()
    assert "Use citric acid." not in search


def test_remove_post_as_illegal_purges_the_history(moderator, post, rule):
    forum_actions.edit_post(post.author, post, body="Use citric acid, 20 g per litre.")

    remove_post(moderator, post, kind="illegal", rule=rule, reason="Illegal")

    post.refresh_from_db()
    assert (post.removal_kind, post.body_source, post.body_html) == ("illegal", "", "")
    assert post.search_vector is None
    assert set(post.revisions.values_list("body_source", flat=True)) == {""}
    assert post.revisions.count() == 2  # the record of the revisions stays
    assert ModerationAction.objects.get().details == {
        "removal_kind": "illegal",
        "revisions_purged": 2,
    }


def test_remove_post_twice_records_once_but_spam_may_become_illegal(
    moderator, post, rule
):
    assert remove_post(moderator, post, kind="spam", rule=rule, reason="Spam")
    assert remove_post(moderator, post, kind="spam", rule=rule, reason="Spam") is None
    assert remove_post(moderator, post, kind="illegal", rule=rule, reason="Worse")
    assert remove_post(moderator, post, kind="spam", rule=rule, reason="x") is None

    assert ModerationAction.objects.count() == 2
    assert set(post.revisions.values_list("body_source", flat=True)) == {""}


def test_remove_post_refuses_an_unknown_kind(moderator, post, rule):
    with pytest.raises(ValidationError):
        remove_post(moderator, post, kind="rude", rule=rule, reason="Rude")
    post.refresh_from_db()
    assert post.removed_at is None


def test_reversal_of_spam_removal_restores_the_text(client, moderator, post, rule):
    action = remove_post(moderator, post, kind="spam", rule=rule, reason="Spam")

    REVERSALS[ActionKind.POST_REMOVED](make_admin("decider"), action)

    post.refresh_from_db()
    assert (post.removed_at, post.removal_kind, post.is_hidden) == (None, "", False)
    assert post.body_source == "Use citric acid."
    assert "Use citric acid." in post.body_html
    assert post.body_text == "Use citric acid."
    assert (
        "Use citric acid." in client.get(post.topic.get_absolute_url()).content.decode()
    )


def test_reversal_of_illegal_removal_clears_the_label_only(moderator, post, rule):
    action = remove_post(moderator, post, kind="illegal", rule=rule, reason="Illegal")

    REVERSALS[ActionKind.POST_REMOVED](make_admin("decider"), action)

    post.refresh_from_db()
    assert (post.removed_at, post.removal_kind, post.is_hidden) == (None, "", False)
    assert post.body_source == ""
    assert set(post.revisions.values_list("body_source", flat=True)) == {""}


# --- Redaction ------------------------------------------------------------------------------


def test_redact_post_removes_the_text_from_the_post_and_its_history(
    client, moderator, post, rule
):
    author = post.author
    forum_actions.edit_post(author, post, body=f"Call me on {PHONE}, or use citric.")
    forum_actions.edit_post(author, post, body=f"Call me on {PHONE} after 6.")
    client.force_login(moderator)

    response = client.post(
        _url("redact", post),
        {"text": PHONE, "rule": str(rule.pk), "reason": "A phone number"},
    )

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.body_source == "Call me on [redacted] after 6."
    assert PHONE not in post.body_html
    assert "[redacted]" in post.body_html
    assert PHONE not in post.body_text
    assert list(
        post.revisions.order_by("number").values_list("body_source", flat=True)
    ) == [
        "Use citric acid.",
        "Call me on [redacted], or use citric.",
        "Call me on [redacted] after 6.",
    ]
    action = ModerationAction.objects.get()
    assert (action.kind, action.details) == (
        ActionKind.POST_REDACTED,
        {"revisions_affected": 2},
    )
    redaction = Redaction.objects.get()
    assert (redaction.post, redaction.action, redaction.revisions_affected) == (
        post,
        action,
        2,
    )
    # The redacted text is nowhere in the public record, the audit or the outbox.
    for row in ModerationAction.objects.values():
        assert PHONE not in repr(row)
    for entry in AuditEntry.objects.values():
        assert PHONE not in repr(entry)
    for event in Event.objects.filter(kind="moderation.action").values():
        assert PHONE not in repr(event)
    client.logout()
    page = client.get(post.topic.get_absolute_url()).content.decode()
    assert "Redacted personal data" in page
    assert PHONE not in page
    history = client.get(reverse("forum:post_history", args=[post.pk])).content.decode()
    assert PHONE not in history
    assert "[redacted]" in history


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "This field is required"),
        ("ab", "at least 3 characters"),
        ("Citric", "in this post or its history"),  # case-sensitive
    ],
)
def test_redact_post_view_refuses_bad_text_with_400(
    client, moderator, post, rule, text, message
):
    client.force_login(moderator)
    before = _state(post)

    response = client.post(
        _url("redact", post),
        {"text": text, "rule": str(rule.pk), "reason": "Personal data"},
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert _state(post) == before
    assert not Redaction.objects.exists()


def test_redact_post_refuses_the_text_in_the_reason(moderator, post, rule):
    with pytest.raises(ValidationError):
        redact_post(
            moderator, post, text="citric", rule=rule, reason="Removed 'citric'"
        )
    post.refresh_from_db()
    assert post.body_source == "Use citric acid."


def test_redact_post_finds_text_left_only_in_the_history(moderator, post, rule):
    forum_actions.edit_post(post.author, post, body="Nothing personal here.")

    redact_post(moderator, post, text="citric", rule=rule, reason="A name")

    post.refresh_from_db()
    assert post.body_source == "Nothing personal here."
    assert list(
        post.revisions.order_by("number").values_list("body_source", flat=True)
    ) == [
        "Use [redacted] acid.",
        "Nothing personal here.",
    ]
    assert Redaction.objects.get().revisions_affected == 1


# --- Who may ------------------------------------------------------------------------------


@pytest.mark.parametrize("verb", VERBS)
def test_moderator_of_another_category_gets_403(client, post, rule, verb):
    outsider = make_moderator(make_category("Elsewhere", slug="elsewhere"), "otto")
    client.force_login(outsider)
    before = _state(post)

    assert client.get(_url(verb, post)).status_code == 403
    assert client.post(_url(verb, post), _payload(verb, rule)).status_code == 403
    assert _state(post) == before


@pytest.mark.parametrize("verb", VERBS)
def test_brand_rep_gets_403_on_every_post_endpoint(client, brand_rep, post, rule, verb):
    client.force_login(brand_rep)
    before = _state(post)

    get = client.get(_url(verb, post))
    response = client.post(_url(verb, post), _payload(verb, rule))

    assert get.status_code == 403
    assert response.status_code == 403
    assert b"Brand representatives never moderate" in response.content
    assert _state(post) == before


@pytest.mark.parametrize("verb", VERBS)
def test_member_gets_403_and_visitor_is_sent_to_sign_in(
    client, member, post, rule, verb
):
    before = _state(post)

    anonymous = client.post(_url(verb, post), _payload(verb, rule))
    client.force_login(member)
    signed_in = client.post(_url(verb, post), _payload(verb, rule))

    assert anonymous.status_code == 302
    assert reverse("account_login") in anonymous["Location"]
    assert signed_in.status_code == 403
    assert _state(post) == before


def test_actions_refuse_brand_reps_and_change_nothing(brand_rep, post, rule):
    before = _state(post)

    with pytest.raises(PermissionDenied):
        hide_post(brand_rep, post, rule=rule, reason="Competitor link")
    with pytest.raises(PermissionDenied):
        remove_post(brand_rep, post, kind="spam", rule=rule, reason="Competitor")
    with pytest.raises(PermissionDenied):
        redact_post(brand_rep, post, text="citric", rule=rule, reason="Secret")

    assert _state(post) == before


def test_admin_may_moderate_any_category(admin_user, post, rule):
    assert hide_post(admin_user, post, rule=rule, reason="Off-topic") is not None
    assert ModerationAction.objects.get().actor_alias == "Admin #1"


def test_unknown_post_is_404(client, moderator):
    client.force_login(moderator)
    assert client.get(reverse("moderation:post_hide", args=[999999])).status_code == 404


# --- The links in the thread --------------------------------------------------------------


def test_moderation_links_show_only_to_moderators_of_the_category(
    client, moderator, member, brand_rep, post
):
    hide_url = _url("hide", post)
    sanction_url = reverse("moderation:sanction", args=[post.author.username])

    page = client.get(post.topic.get_absolute_url()).content.decode()
    assert hide_url not in page
    for person in (member, brand_rep):
        client.force_login(person)
        page = client.get(post.topic.get_absolute_url()).content.decode()
        assert hide_url not in page, person
        assert sanction_url not in page, person

    client.force_login(moderator)
    page = client.get(post.topic.get_absolute_url()).content.decode()
    assert hide_url in page
    assert _url("remove", post) in page
    assert _url("redact", post) in page
    assert f"{sanction_url}?post={post.pk}" in page


def test_hidden_post_offers_unhide_instead_of_hide(client, moderator, post, rule):
    hide_post(moderator, post, rule=rule, reason="Off-topic")
    client.force_login(moderator)

    page = client.get(post.topic.get_absolute_url()).content.decode()

    assert _url("unhide", post) in page
    assert _url("hide", post) not in page


def test_topic_page_query_count_is_constant_for_a_moderator(
    client, moderator, topic, settings
):
    settings.ANON_CACHE_SECONDS = 0  # the render, not the per-class cache

    def count() -> int:
        client.get(topic.get_absolute_url())
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(topic.get_absolute_url())
        assert response.status_code == 200
        return len(ctx.captured_queries)

    make_post(topic, make_user())
    client.force_login(moderator)
    small = count()
    for _ in range(8):
        make_post(topic, make_user())

    assert count() == small
