"""Flags, the automatic hide pending review, the review queue and re-review."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import TrustLevel
from forum import actions as forum_actions
from forum.models import Post
from moderation.actions.flags import (
    decide_flags,
    flag_post,
    flag_weight,
    request_review,
)
from moderation.models import (
    ActionKind,
    Flag,
    FlagStatus,
    ModerationAction,
    Rule,
)
from notifications.models import Event
from tests.factories import (
    make_brand_rep,
    make_category,
    make_moderator,
    make_post,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db


def _flag_url(post):
    return reverse("moderation:flag_post", args=[post.pk])


def _decide_url(post):
    return reverse("moderation:queue_decide", args=[post.pk])


def _flag_over_http(client, user, post, kind="inappropriate", message=""):
    client.force_login(user)
    return client.post(_flag_url(post), {"kind": kind, "message": message})


def _hide_pending_review(post, weights=(3, 2)):
    """Flag *post* with members whose flags weigh *weights* (trust levels)."""
    flaggers = [make_user(trust_level=level) for level in weights]
    for flagger in flaggers:
        flag_post(flagger, post, kind="inappropriate")
    post.refresh_from_db()
    return flaggers


@pytest.fixture
def rule(db):
    return Rule.objects.create(number=1, title="Be kind")


# --- Flagging and the automatic hide ---------------------------------------------------


@pytest.mark.parametrize(
    ("level", "weight"),
    [
        (TrustLevel.NEW, 1),
        (TrustLevel.BASIC, 1),
        (TrustLevel.MEMBER, 2),
        (TrustLevel.REGULAR, 3),
        (TrustLevel.LEADER, 4),
    ],
)
def test_flag_weight_grows_with_trust_level(level, weight):
    assert flag_weight(make_user(trust_level=level)) == weight


def test_flag_weight_of_brand_rep_is_zero(brand_rep):
    brand_rep.trust_level = TrustLevel.LEADER

    assert flag_weight(brand_rep) == 0


def test_flag_weights_are_read_from_settings_at_call_time(settings):
    settings.FORUM_FLAG_WEIGHTS = {0: 7, 1: 7, 2: 7, 3: 7, 4: 7}

    assert flag_weight(make_user(trust_level=TrustLevel.MEMBER)) == 7


def test_flag_post_over_http_creates_flag_and_redirects(client, member, post):
    response = _flag_over_http(client, member, post, kind="spam")

    assert response.status_code == 302
    assert response["Location"] == post.topic.get_post_url(post.number)
    flag = Flag.objects.get()
    assert (flag.flagger, flag.kind, flag.weight, flag.status) == (
        member,
        "spam",
        2,
        FlagStatus.OPEN,
    )
    assert flag.from_brand_rep is False
    created = Event.objects.get(kind="flag.created")
    assert created.payload["category_id"] == post.topic.category_id


def test_flag_post_hides_pending_review_when_weights_reach_threshold(client, post):
    regular = make_user("reg", trust_level=TrustLevel.REGULAR)  # weighs 3
    basic = make_user("basic", trust_level=TrustLevel.BASIC)  # weighs 1
    new = make_user("newbie", trust_level=TrustLevel.NEW)  # weighs 1

    _flag_over_http(client, regular, post)
    _flag_over_http(client, basic, post)
    post.refresh_from_db()
    assert post.pending_review is False  # 4 of 5

    _flag_over_http(client, new, post)

    post.refresh_from_db()
    assert post.pending_review is True
    assert post.is_hidden is False  # hidden by the community, not a moderator
    assert not ModerationAction.objects.exists()
    event = Event.objects.get(kind="post.pending_review")
    assert event.payload["user_ids"] == [post.author_id]
    assert event.actor is None  # the author never learns who flagged


def test_flag_post_threshold_comes_from_settings(settings, member, post):
    settings.FORUM_FLAG_HIDE_THRESHOLD = 2

    flag_post(member, post, kind="spam")  # trust level 2 weighs 2

    post.refresh_from_db()
    assert post.pending_review is True


def test_flag_post_by_ten_brand_reps_never_hides(client, post):
    for n in range(10):
        rep = make_brand_rep(f"rep{n}", trust_level=TrustLevel.LEADER)
        response = _flag_over_http(client, rep, post)
        assert response.status_code == 302

    post.refresh_from_db()
    assert post.pending_review is False
    assert Flag.objects.filter(from_brand_rep=True, weight=0).count() == 10
    assert not Event.objects.filter(kind="post.pending_review").exists()


def test_flag_post_second_flag_by_same_member_is_friendly_noop(client, member, post):
    _flag_over_http(client, member, post)

    response = _flag_over_http(client, member, post, kind="spam")

    assert response.status_code == 302
    assert Flag.objects.count() == 1
    page = client.get(response["Location"], follow=True)
    assert "You already flagged this post" in page.content.decode()


def test_flag_post_action_refuses_second_open_or_deferred_flag(member, post):
    flag = flag_post(member, post, kind="spam")
    Flag.objects.filter(pk=flag.pk).update(status=FlagStatus.DEFERRED)

    with pytest.raises(ValidationError, match="already flagged"):
        flag_post(member, post, kind="off_topic")


def test_flag_post_over_htmx_returns_thank_you_fragment(client, member, post):
    client.force_login(member)

    response = client.post(
        _flag_url(post), {"kind": "off_topic"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "Thanks, moderators will review it." in body
    assert "<html" not in body
    assert Flag.objects.count() == 1


def test_flag_post_other_without_message_is_refused_and_keeps_input(
    client, member, post
):
    client.force_login(member)

    response = client.post(_flag_url(post), {"kind": "other", "message": "  "})

    assert response.status_code == 400
    assert "Tell the moderators what is wrong" in response.content.decode()
    assert 'value="other" ' in response.content.decode()
    assert "checked" in response.content.decode()
    assert not Flag.objects.exists()


def test_flag_post_message_too_long_is_refused(client, member, post):
    client.force_login(member)

    response = client.post(_flag_url(post), {"kind": "spam", "message": "x" * 1001})

    assert response.status_code == 400
    assert not Flag.objects.exists()


def test_flag_view_get_shows_form(client, member, post):
    client.force_login(member)

    response = client.get(_flag_url(post))

    assert response.status_code == 200
    assert "Flag a post" in response.content.decode()


def test_flag_view_over_htmx_returns_bare_form(client, member, post):
    client.force_login(member)

    response = client.get(_flag_url(post), HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert f'id="flag-form-{post.pk}"' in body
    assert "<title>" not in body


def test_flag_view_anonymous_is_sent_to_login(client, post):
    response = client.post(_flag_url(post), {"kind": "spam"})

    assert response.status_code == 302
    assert "login" in response["Location"]
    assert not Flag.objects.exists()


def test_flag_view_author_cannot_flag_own_post(client, other_member, post):
    response = _flag_over_http(client, other_member, post)

    assert response.status_code == 403
    assert not Flag.objects.exists()


def test_topic_page_shows_flag_link_but_never_flaggers(client, member, post):
    flagger = make_user("quietflagger", trust_level=TrustLevel.LEADER)
    flag_post(flagger, post, kind="spam", message="Spam link to a shop")
    flag_post(make_user(trust_level=TrustLevel.BASIC), post, kind="spam")
    client.force_login(member)

    page = client.get(post.topic.get_absolute_url()).content.decode()

    assert _flag_url(post) in page
    assert "Hidden pending review" in page
    assert "quietflagger" not in page
    assert "Spam link to a shop" not in page


# --- The review queue ------------------------------------------------------------------


def test_queue_lists_flags_grouped_by_post_for_moderator(
    client, moderator, member, brand_rep, post
):
    flag_post(member, post, kind="spam", message="Selling things")
    flag_post(brand_rep, post, kind="off_topic")
    client.force_login(moderator)

    response = client.get(reverse("moderation:queue"))

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count(f'id="queue-{post.pk}"') == 1
    assert "Selling things" in page
    assert member.name in page  # flaggers are visible to moderators here
    assert "Flagged by a brand representative" in page
    assert "from a brand representative" in page
    assert "Use citric acid." in page
    assert "Open flags weigh 2 of 5" in page  # the brand rep's flag counts 0


def test_queue_omits_posts_of_categories_moderated_by_others(client, member, post):
    elsewhere = make_moderator(make_category("Elsewhere"), "otto")
    flag_post(member, post, kind="spam")
    client.force_login(elsewhere)

    response = client.get(reverse("moderation:queue"))

    assert response.status_code == 200
    assert f'id="queue-{post.pk}"' not in response.content.decode()


def test_queue_shows_every_category_to_admins(client, admin_user, member, post):
    flag_post(member, post, kind="spam")
    client.force_login(admin_user)

    response = client.get(reverse("moderation:queue"))

    assert f'id="queue-{post.pk}"' in response.content.decode()


@pytest.mark.parametrize("who", ["brand_rep", "member"])
def test_queue_is_forbidden_to_non_moderators(client, request, who, post):
    client.force_login(request.getfixturevalue(who))

    assert client.get(reverse("moderation:queue")).status_code == 403


def test_queue_orders_open_before_deferred_then_oldest_first(
    client, moderator, member, topic
):
    first, second, third = (make_post(topic) for _ in range(3))
    for p in (first, second, third):
        flag_post(member, p, kind="spam")
    decide_flags(moderator, first, decision="defer")
    client.force_login(moderator)

    page = client.get(reverse("moderation:queue")).content.decode()

    positions = [page.index(f'id="queue-{p.pk}"') for p in (second, third, first)]
    assert positions == sorted(positions)


def test_queue_paginates_by_post(client, moderator, member, topic):
    posts = [make_post(topic) for _ in range(26)]
    for p in posts:
        flag_post(member, p, kind="spam")
    client.force_login(moderator)

    first = client.get(reverse("moderation:queue")).content.decode()
    second = client.get(reverse("moderation:queue") + "?page=2").content.decode()

    assert first.count('class="card queue-item"') == 25
    assert second.count('class="card queue-item"') == 1
    assert f'id="queue-{posts[-1].pk}"' in second


def _flag_posts(n: int, category, people):
    topic = make_topic(category, people[0])
    for i in range(n):
        author = make_user(trust_level=TrustLevel.MEMBER)
        p = make_post(topic, author)
        # Authors with history, flags by several people (one a brand rep).
        for flagger in people[1:]:
            flag_post(flagger, p, kind="spam", message=f"flag {i}")
    return topic


def test_queue_query_count_is_constant(client, moderator, category):
    people = [make_user(trust_level=TrustLevel.BASIC) for _ in range(3)]
    people.append(make_brand_rep("queuerep"))
    _flag_posts(2, category, people)
    client.force_login(moderator)
    url = reverse("moderation:queue")
    client.get(url)  # warm per-process caches

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _flag_posts(8, category, people)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert response.content.decode().count('class="card queue-item"') == 10
    assert len(many.captured_queries) == len(few.captured_queries)


# --- Decisions -------------------------------------------------------------------------


def test_decide_agree_hide_hides_post_with_public_record(
    client, moderator, brand_rep, rule, post
):
    flaggers = _hide_pending_review(post)
    flag_post(brand_rep, post, kind="off_topic")
    client.force_login(moderator)

    response = client.post(
        _decide_url(post),
        {
            "decision": "agree",
            "outcome": "hide",
            "rule": str(rule.pk),
            "reason": "Personal attack",
        },
    )

    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.is_hidden, post.pending_review) == (True, False)
    action = ModerationAction.objects.get()
    assert action.kind == ActionKind.POST_HIDDEN
    assert action.rule == rule
    assert action.followed_brand_flag is True
    flags = list(Flag.objects.all())
    assert {f.status for f in flags} == {FlagStatus.AGREED}
    assert {f.resolved_by_id for f in flags} == {moderator.pk}
    assert {f.outcome_action_id for f in flags} == {action.pk}
    assert all(f.resolved_at is not None for f in flags)
    resolved = Event.objects.get(kind="flag.resolved")
    assert resolved.payload["decision"] == "agree"
    assert set(resolved.payload["user_ids"]) == {f.pk for f in flaggers} | {
        brand_rep.pk
    }
    # The tombstone is in the thread.
    page = client.get(post.topic.get_absolute_url()).content.decode()
    assert "Hid a post" in page
    assert "1. Be kind" in page
    # The post left the queue.
    queue = client.get(reverse("moderation:queue")).content.decode()
    assert f'id="queue-{post.pk}"' not in queue


def test_decide_agree_without_brand_flag_does_not_mark_it(moderator, rule, post):
    _hide_pending_review(post)

    action = decide_flags(
        moderator, post, decision="agree", outcome="hide", rule=rule, reason="Rude"
    )

    assert action is not None
    assert action.followed_brand_flag is False


def test_decide_agree_remove_spam(moderator, member, post):
    flag_post(member, post, kind="spam")

    action = decide_flags(
        moderator, post, decision="agree", outcome="remove_spam", reason="Shop link"
    )

    post.refresh_from_db()
    assert action is not None
    assert action.kind == ActionKind.POST_REMOVED
    assert post.removed_at is not None
    assert post.removal_kind == "spam"


def test_decide_agree_silence_sanctions_author_and_keeps_post_hidden(
    client, moderator, rule, post
):
    _hide_pending_review(post)
    client.force_login(moderator)

    response = client.post(
        _decide_url(post),
        {
            "decision": "agree",
            "outcome": "silence",
            "rule": str(rule.pk),
            "reason": "Third insult this week",
            "duration": "7",
        },
    )

    assert response.status_code == 302
    post.refresh_from_db()
    post.author.refresh_from_db()
    assert post.author.is_silenced is True
    assert (post.is_hidden, post.pending_review) == (True, False)
    kinds = set(ModerationAction.objects.values_list("kind", flat=True))
    assert kinds == {ActionKind.USER_SILENCED, ActionKind.POST_HIDDEN}
    sanction_action = ModerationAction.objects.get(kind=ActionKind.USER_SILENCED)
    assert set(Flag.objects.values_list("outcome_action", flat=True)) == {
        sanction_action.pk
    }


def test_decide_silence_without_duration_rerenders_queue_with_errors(
    client, moderator, member, post
):
    flag_post(member, post, kind="inappropriate")
    client.force_login(moderator)

    response = client.post(
        _decide_url(post),
        {"decision": "agree", "outcome": "silence", "reason": "Kept typing this"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose how long it lasts." in page
    assert "Kept typing this" in page
    assert Flag.objects.get().status == FlagStatus.OPEN
    assert not ModerationAction.objects.exists()


def test_decide_agree_without_outcome_or_reason_is_refused(
    client, moderator, member, post
):
    flag_post(member, post, kind="spam")
    client.force_login(moderator)

    response = client.post(_decide_url(post), {"decision": "agree"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose what to do about the post." in page
    assert "Write the reason" in page


def test_decide_disagree_clears_pending_review_and_records_it(client, moderator, post):
    flaggers = _hide_pending_review(post)
    assert post.pending_review is True
    client.force_login(moderator)

    response = client.post(
        _decide_url(post),
        {"decision": "disagree", "reason": "Blunt but within the rules"},
    )

    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.pending_review, post.is_hidden) == (False, False)
    action = ModerationAction.objects.get()
    assert action.kind == ActionKind.FLAGS_CLEARED
    assert action.rule_text == "Other"
    assert action.post == post
    assert set(Flag.objects.values_list("status", flat=True)) == {FlagStatus.DISAGREED}
    resolved = Event.objects.get(kind="flag.resolved")
    assert resolved.payload["decision"] == "disagree"
    assert set(resolved.payload["user_ids"]) == {f.pk for f in flaggers}
    cleared = Event.objects.get(kind="post.review_cleared")
    assert cleared.payload["user_ids"] == [post.author_id]
    page = client.get(post.topic.get_absolute_url()).content.decode()
    assert "Cleared flags (no action needed)" in page
    assert "Hidden pending review" not in page


def test_decide_disagree_requires_reason(moderator, member, post):
    flag_post(member, post, kind="spam")

    with pytest.raises(ValidationError, match="Write the reason"):
        decide_flags(moderator, post, decision="disagree", reason=" ")

    assert Flag.objects.get().status == FlagStatus.OPEN


def test_decide_defer_keeps_post_pending_and_in_queue(client, moderator, post):
    _hide_pending_review(post)
    client.force_login(moderator)

    response = client.post(_decide_url(post), {"decision": "defer"})

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.pending_review is True
    assert set(Flag.objects.values_list("status", flat=True)) == {FlagStatus.DEFERRED}
    assert not ModerationAction.objects.exists()
    assert not Event.objects.filter(kind="flag.resolved").exists()
    queue = client.get(reverse("moderation:queue")).content.decode()
    assert f'id="queue-{post.pk}"' in queue
    assert "Deferred" in queue


def test_decide_twice_reports_already_decided(client, moderator, member, post):
    flag_post(member, post, kind="spam")
    client.force_login(moderator)
    data = {"decision": "disagree", "reason": "Fine"}
    client.post(_decide_url(post), data)

    response = client.post(_decide_url(post), data)

    assert response.status_code == 400
    assert "already decided" in response.content.decode()
    assert ModerationAction.objects.count() == 1


@pytest.mark.parametrize("who", ["brand_rep", "member", "other_moderator"])
def test_decide_is_refused_to_non_moderators_of_the_category(client, who, rule, post):
    actors = {
        "brand_rep": lambda: make_brand_rep("rep"),
        "member": lambda: make_user("carol"),
        "other_moderator": lambda: make_moderator(make_category("Other"), "otto"),
    }
    _hide_pending_review(post)
    client.force_login(actors[who]())

    response = client.post(
        _decide_url(post),
        {"decision": "agree", "outcome": "hide", "rule": str(rule.pk), "reason": "x"},
    )

    assert response.status_code == 403
    post.refresh_from_db()
    assert (post.is_hidden, post.pending_review) == (False, True)
    assert set(Flag.objects.values_list("status", flat=True)) == {FlagStatus.OPEN}
    assert not ModerationAction.objects.exists()


def test_decide_flags_by_brand_rep_action_is_denied(brand_rep, member, post):
    flag_post(member, post, kind="spam")

    with pytest.raises(PermissionDenied):
        decide_flags(brand_rep, post, decision="disagree", reason="Looks fine")

    assert Flag.objects.get().status == FlagStatus.OPEN


def test_decide_agree_sanction_of_a_moderator_changes_nothing(moderator, member, topic):
    # Only an admin sanctions a moderator: the whole decision rolls back.
    colleague = make_moderator(topic.category, "colleague")
    post = make_post(topic, colleague)
    flag_post(member, post, kind="inappropriate")

    with pytest.raises(PermissionDenied):
        decide_flags(moderator, post, decision="agree", outcome="warn", reason="Rude")

    assert Flag.objects.get().status == FlagStatus.OPEN
    assert not ModerationAction.objects.exists()


# --- Asking for another review ---------------------------------------------------------


def test_author_edits_pending_post_and_requests_review(client, moderator, post):
    _hide_pending_review(post)
    decide_flags(moderator, post, decision="defer")
    author = post.author
    client.force_login(author)

    page = client.get(post.topic.get_absolute_url()).content.decode()
    assert reverse("moderation:request_review", args=[post.pk]) in page

    edited = client.post(
        reverse("forum:post_edit", args=[post.pk]),
        {"body": "Use citric acid, sorry for the tone."},
    )
    assert edited.status_code == 302
    response = client.post(reverse("moderation:request_review", args=[post.pk]))

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.pending_review is True  # still hidden until a moderator decides
    assert set(Flag.objects.values_list("status", flat=True)) == {FlagStatus.OPEN}
    event = Event.objects.get(kind="review.requested")
    assert event.actor == author
    client.force_login(moderator)
    queue = client.get(reverse("moderation:queue")).content.decode()
    assert "The author asked for another review" in queue
    assert "Edited by the author since it was flagged" in queue


def test_request_review_twice_is_a_friendly_noop(client, post):
    _hide_pending_review(post)
    client.force_login(post.author)
    url = reverse("moderation:request_review", args=[post.pk])
    client.post(url)

    response = client.post(url, follow=True)

    assert response.status_code == 200
    assert "You already asked for another review" in response.content.decode()
    assert Event.objects.filter(kind="review.requested").count() == 1


def test_request_review_by_someone_else_is_forbidden(client, member, post):
    _hide_pending_review(post)
    client.force_login(member)

    response = client.post(reverse("moderation:request_review", args=[post.pk]))

    assert response.status_code == 403
    assert not Event.objects.filter(kind="review.requested").exists()


def test_request_review_of_visible_post_is_refused(other_member, post):
    with pytest.raises(PermissionDenied, match="not waiting for review"):
        request_review(other_member, post)


def test_request_review_allowed_again_after_new_hide(moderator, post):
    _hide_pending_review(post)
    request_review(post.author, post)
    decide_flags(moderator, post, decision="disagree", reason="Fine")
    post.refresh_from_db()
    _hide_pending_review(post)

    request_review(post.author, post)

    assert Event.objects.filter(kind="review.requested").count() == 2


def test_flagging_edited_pending_post_keeps_it_pending(other_member, post):
    _hide_pending_review(post)
    forum_actions.edit_post(other_member, post, body="A calmer version.")

    flag_post(make_user(), post, kind="spam")

    post.refresh_from_db()
    assert post.pending_review is True
    assert Post.objects.get(pk=post.pk).body_source == "A calmer version."


def test_sanction_duration_is_passed_as_days(moderator, rule, post):
    _hide_pending_review(post)

    decide_flags(
        moderator,
        post,
        decision="agree",
        outcome="suspend",
        rule=rule,
        reason="Threats",
        duration=timedelta(days=3),
    )

    post.author.refresh_from_db()
    assert post.author.is_banned is True


def test_decide_outcome_the_moderator_may_not_take_is_explained(
    client, moderator, member, topic
):
    colleague = make_moderator(topic.category, "colleague")
    post = make_post(topic, colleague)
    flag_post(member, post, kind="inappropriate")
    client.force_login(moderator)

    response = client.post(
        _decide_url(post), {"decision": "agree", "outcome": "warn", "reason": "Rude"}
    )

    assert response.status_code == 403
    assert "Only an administrator can sanction a moderator." in (
        response.content.decode()
    )
    assert Flag.objects.get().status == FlagStatus.OPEN
