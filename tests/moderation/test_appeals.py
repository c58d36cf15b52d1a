"""Appeals: the affected member appeals once; a different moderator decides;
the outcome is public."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from moderation.actions.appeals import appeal_action, decide_appeal
from moderation.actions.posts import hide_post
from moderation.actions.sanctions import sanction_user
from moderation.log import record_action
from moderation.models import (
    ActionKind,
    Appeal,
    AppealStatus,
    AuditEntry,
    ModerationAction,
    Rule,
)
from notifications.models import Event, Notification, NotificationKind
from notifications.tasks import dispatch_event
from tests.factories import (
    make_category,
    make_moderator,
    make_post,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

STATEMENT = "I was quoting the manual, not advertising anything at all."


@pytest.fixture
def rule():
    return Rule.objects.create(number=1, title="Be kind")


@pytest.fixture
def second_moderator(category):
    return make_moderator(category, "otto")


@pytest.fixture
def hidden(moderator, post, rule):
    """Mira hid Bob's post in General, citing rule 1."""
    return hide_post(moderator, post, rule=rule, reason="Advertising a shop")


def _login(client, user):
    client.force_login(user)
    return client


def _appeal_url(action):
    return reverse("moderation:appeal", args=[action.pk])


def _decide_url(appeal):
    return reverse("moderation:appeal_decide", args=[appeal.pk])


# --- The whole flow over HTTP ----------------------------------------------------------


def test_appeal_flow_upheld_unhides_post_and_is_public(
    client,
    hidden,
    post,
    member,
    other_member,
    moderator,
    second_moderator,
    brand_rep,
):
    topic_url = post.topic.get_absolute_url()

    # The tombstone offers the appeal to the author only.
    assert "Appeal this decision" in _login(client, other_member).get(topic_url).text
    assert "Appeal this decision" not in _login(client, member).get(topic_url).text
    client.logout()
    assert "Appeal this decision" not in client.get(topic_url).text

    # The author appeals, once.
    _login(client, other_member)
    page = client.get(_appeal_url(hidden))
    assert page.status_code == 200
    assert "Advertising a shop" in page.text and hidden.actor_alias in page.text
    response = client.post(_appeal_url(hidden), {"statement": STATEMENT})
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert (appeal.appellant, appeal.status) == (other_member, AppealStatus.PENDING)
    again = client.post(_appeal_url(hidden), {"statement": STATEMENT + " Again."})
    assert again.status_code == 403
    assert Appeal.objects.count() == 1
    assert "Appeal this decision" not in client.get(topic_url).text

    # Neither the moderator who acted nor a brand representative decides it.
    for user in (moderator, brand_rep, other_member, member):
        _login(client, user)
        response = client.post(
            _decide_url(appeal), {"decision": "uphold", "reason": "Fine by me"}
        )
        assert response.status_code == 403, user
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.PENDING

    # Another moderator of the category upholds it.
    _login(client, second_moderator)
    response = client.post(
        _decide_url(appeal),
        {"decision": "uphold", "reason": "Quoting the manual is on topic."},
    )
    assert response.status_code == 302

    post.refresh_from_db()
    hidden.refresh_from_db()
    appeal.refresh_from_db()
    assert post.is_hidden is False
    assert hidden.reversed_at is not None
    assert appeal.status == AppealStatus.UPHELD
    assert appeal.decided_by == second_moderator
    assert appeal.decided_by_alias.startswith("Moderator #")
    assert appeal.decision_reason == "Quoting the manual is on topic."

    client.logout()
    log = client.get(reverse("moderation:log")).text
    assert "Upheld: the action was reversed" in log
    assert "Quoting the manual is on topic." in log
    assert "Reversed on appeal" in client.get(topic_url).text


def test_appeal_denied_keeps_the_action(
    client, hidden, post, other_member, second_moderator
):
    appeal = appeal_action(other_member, hidden, statement=STATEMENT)

    _login(client, second_moderator)
    response = client.post(
        _decide_url(appeal), {"decision": "deny", "reason": "It was an ad."}
    )

    assert response.status_code == 302
    post.refresh_from_db()
    hidden.refresh_from_db()
    appeal.refresh_from_db()
    assert post.is_hidden is True
    assert hidden.reversed_at is None
    assert appeal.status == AppealStatus.DENIED
    client.logout()
    log = client.get(reverse("moderation:log")).text
    assert "Denied: the action stands" in log
    tombstone = client.get(post.topic.get_absolute_url()).text
    assert "Appeal: Denied: the action stands" in tombstone


# --- Filing an appeal -----------------------------------------------------------------


def test_appeal_view_short_statement_rerenders_with_text(client, hidden, other_member):
    _login(client, other_member)

    response = client.post(_appeal_url(hidden), {"statement": "Too short"})

    assert response.status_code == 400
    assert "Too short" in response.text
    assert not Appeal.objects.exists()


def test_appeal_view_refuses_other_members(client, hidden, member, brand_rep):
    for user in (member, brand_rep):
        _login(client, user)
        assert client.get(_appeal_url(hidden)).status_code == 403
        assert (
            client.post(_appeal_url(hidden), {"statement": STATEMENT}).status_code
            == 403
        )
    assert not Appeal.objects.exists()


def test_appeal_view_anonymous_is_sent_to_sign_in(client, hidden):
    response = client.post(_appeal_url(hidden), {"statement": STATEMENT})

    assert response.status_code == 302
    assert "login" in response["Location"]
    assert not Appeal.objects.exists()


def test_appeal_view_unknown_action_is_404(client, other_member):
    _login(client, other_member)

    assert client.get(reverse("moderation:appeal", args=[999])).status_code == 404


def test_appeal_after_30_days_is_refused(client, hidden, other_member):
    ModerationAction.objects.filter(pk=hidden.pk).update(
        created_at=hidden.created_at - timedelta(days=31)
    )
    _login(client, other_member)

    response = client.post(_appeal_url(hidden), {"statement": STATEMENT})

    assert response.status_code == 403
    assert not Appeal.objects.exists()


def test_appeal_view_shows_status_to_appellant(client, hidden, other_member):
    appeal_action(other_member, hidden, statement=STATEMENT)
    _login(client, other_member)

    response = client.get(_appeal_url(hidden))

    assert response.status_code == 200
    assert "Waiting for a decision" in response.text
    assert STATEMENT in response.text


def test_appeal_action_records_audit_and_notifies_deciders(
    hidden, other_member, moderator, second_moderator, admin_user
):
    appeal = appeal_action(other_member, hidden, statement=STATEMENT)

    entry = AuditEntry.objects.get(verb="appeal.created")
    assert (entry.actor, entry.target_id) == (other_member, appeal.pk)
    event = Event.objects.get(kind="appeal.created")
    assert event.payload == {"appeal_id": appeal.pk, "action_id": hidden.pk}
    Event.objects.exclude(pk=event.pk).update(dispatched_at=timezone.now())
    dispatch_event(event.pk)
    told = Notification.objects.filter(kind=NotificationKind.APPEAL_CREATED)
    assert {n.recipient_id for n in told} == {second_moderator.pk, admin_user.pk}


def test_appeal_action_twice_raises(hidden, other_member):
    appeal_action(other_member, hidden, statement=STATEMENT)

    with pytest.raises(PermissionDenied):
        appeal_action(other_member, hidden, statement=STATEMENT)
    assert Appeal.objects.count() == 1


def test_appeal_action_race_second_gets_validation_error(hidden, other_member):
    stale = ModerationAction.objects.get(pk=hidden.pk)
    with pytest.raises(Appeal.DoesNotExist):
        stale.appeal  # noqa: B018 -- caches "no appeal", as a concurrent request would see
    appeal_action(other_member, hidden, statement=STATEMENT)

    with pytest.raises(ValidationError):
        appeal_action(other_member, stale, statement=STATEMENT)
    assert Appeal.objects.count() == 1


def test_appeal_action_statement_bounds(hidden, other_member):
    with pytest.raises(ValidationError):
        appeal_action(other_member, hidden, statement="   short    ")
    with pytest.raises(ValidationError):
        appeal_action(other_member, hidden, statement="x" * 2001)
    assert not Appeal.objects.exists()


# --- Deciding -----------------------------------------------------------------------


def test_decide_requires_a_reason(client, hidden, post, other_member, second_moderator):
    appeal = appeal_action(other_member, hidden, statement=STATEMENT)
    _login(client, second_moderator)

    response = client.post(_decide_url(appeal), {"decision": "uphold", "reason": " "})

    assert response.status_code == 400
    appeal.refresh_from_db()
    post.refresh_from_db()
    assert appeal.status == AppealStatus.PENDING
    assert post.is_hidden is True


def test_decide_twice_is_refused(client, hidden, other_member, second_moderator):
    appeal = appeal_action(other_member, hidden, statement=STATEMENT)
    _login(client, second_moderator)
    client.post(_decide_url(appeal), {"decision": "deny", "reason": "It was an ad."})

    response = client.post(
        _decide_url(appeal), {"decision": "uphold", "reason": "Changed my mind"}
    )

    assert response.status_code == 400
    assert "already decided" in response.text
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.DENIED


def test_decide_by_admin_and_not_by_moderator_elsewhere(
    client, hidden, post, other_member, admin_user
):
    appeal = appeal_action(other_member, hidden, statement=STATEMENT)
    elsewhere = make_moderator(make_category("Elsewhere", slug="elsewhere"), "evan")

    _login(client, elsewhere)
    refused = client.post(
        _decide_url(appeal), {"decision": "uphold", "reason": "Looks fine"}
    )
    _login(client, admin_user)
    accepted = client.post(
        _decide_url(appeal), {"decision": "uphold", "reason": "Looks fine"}
    )

    assert (refused.status_code, accepted.status_code) == (403, 302)
    post.refresh_from_db()
    assert post.is_hidden is False


def test_decide_appeal_by_appellant_moderator_is_refused(
    category, moderator, topic, rule
):
    colleague = make_moderator(category, "colin")
    own_post = make_post(topic, colleague, body="My own words here.")
    action = hide_post(moderator, own_post, rule=rule, reason="Too heated")
    appeal = appeal_action(colleague, action, statement=STATEMENT)

    with pytest.raises(PermissionDenied):
        decide_appeal(colleague, appeal, uphold=True, reason="I was right")
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.PENDING


def test_decide_appeal_records_audit_and_notifies_appellant(
    hidden, other_member, second_moderator
):
    appeal = appeal_action(other_member, hidden, statement=STATEMENT)

    decide_appeal(second_moderator, appeal, uphold=True, reason="On topic after all")

    entry = AuditEntry.objects.get(verb="appeal.upheld")
    assert (entry.actor, entry.reason) == (second_moderator, "On topic after all")
    event = Event.objects.get(kind="appeal.decided")
    assert event.payload["user_ids"] == [other_member.pk]
    assert event.payload["status"] == AppealStatus.UPHELD


def test_decide_irreversible_action_shows_message_and_changes_nothing(
    client, category, topic, moderator, member, second_moderator
):
    with transaction.atomic():
        action = record_action(
            moderator,
            ActionKind.FLAGS_CLEARED,
            rule=None,
            reason="Nothing wrong here",
            category=category,
            topic=topic,
            target_user=member,
        )
    appeal = appeal_action(member, action, statement=STATEMENT)
    _login(client, second_moderator)

    response = client.post(
        _decide_url(appeal), {"decision": "uphold", "reason": "Should be reversed"}
    )

    assert response.status_code == 400
    assert "can&#x27;t be reversed on appeal" in response.text
    assert "Should be reversed" in response.text  # what was typed is kept
    appeal.refresh_from_db()
    action.refresh_from_db()
    assert appeal.status == AppealStatus.PENDING
    assert action.reversed_at is None
    assert not AuditEntry.objects.filter(verb__startswith="appeal.upheld").exists()


def test_decide_reversal_validation_error_rolls_back(
    category, moderator, member, second_moderator, rule
):
    """A merge can't be undone: its reversal refuses, and nothing changes."""
    topic = make_topic(category, member, title="Grinder burrs again")
    with transaction.atomic():
        action = record_action(
            moderator,
            ActionKind.TOPIC_MERGED,
            rule=rule,
            reason="Duplicate",
            category=category,
            topic=topic,
            target_user=member,
        )
    appeal = appeal_action(member, action, statement=STATEMENT)

    with pytest.raises(ValidationError):
        decide_appeal(second_moderator, appeal, uphold=True, reason="Not a duplicate")

    appeal.refresh_from_db()
    action.refresh_from_db()
    assert appeal.status == AppealStatus.PENDING
    assert action.reversed_at is None


def test_sanction_appeal_is_decided_by_an_admin_only(
    client, moderator, second_moderator, other_member, admin_user, rule
):
    action = sanction_user(
        admin_user,
        other_member,
        kind="silence",
        rule=rule,
        reason="Flooding",
        duration=timedelta(days=3),
    )
    other_member.refresh_from_db()
    assert other_member.is_silenced
    appeal = appeal_action(other_member, action, statement=STATEMENT)
    other_admin = make_user("ada", role="admin", is_staff=True)

    _login(client, second_moderator)
    refused = client.post(_decide_url(appeal), {"decision": "uphold", "reason": "ok"})
    _login(client, other_admin)
    accepted = client.post(_decide_url(appeal), {"decision": "uphold", "reason": "ok"})

    assert (refused.status_code, accepted.status_code) == (403, 302)
    other_member.refresh_from_db()
    assert not other_member.is_silenced


# --- The queue ------------------------------------------------------------------------


def test_appeals_queue_lists_what_the_user_may_decide(
    client,
    hidden,
    other_member,
    moderator,
    second_moderator,
    admin_user,
    brand_rep,
    member,
):
    appeal = appeal_action(other_member, hidden, statement=STATEMENT)
    elsewhere = make_moderator(make_category("Elsewhere", slug="elsewhere"), "evan")
    url = reverse("moderation:appeals")

    assert f"appeal-{appeal.pk}" in _login(client, second_moderator).get(url).text
    assert f"appeal-{appeal.pk}" in _login(client, admin_user).get(url).text
    own = _login(client, moderator).get(url)
    assert own.status_code == 200 and f"appeal-{appeal.pk}" not in own.text
    other = _login(client, elsewhere).get(url)
    assert other.status_code == 200 and f"appeal-{appeal.pk}" not in other.text
    assert _login(client, brand_rep).get(url).status_code == 403
    assert _login(client, member).get(url).status_code == 403


def _queue_queries(client, user) -> int:
    url = reverse("moderation:appeals")
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _appealed_actions(n, category, moderator, rule):
    topic = make_topic(category, make_user(), title="A busy thread about burrs")
    for i in range(n):
        author = make_user()
        post = make_post(topic, author, body=f"Reply number {i} with a link")
        action = hide_post(moderator, post, rule=rule, reason=f"Advert {i}")
        appeal_action(author, action, statement=STATEMENT)


def test_appeals_queue_query_count_is_constant(
    client, category, moderator, second_moderator, rule
):
    _login(client, second_moderator)
    _appealed_actions(1, category, moderator, rule)
    few = _queue_queries(client, second_moderator)
    _appealed_actions(6, category, moderator, rule)
    many = _queue_queries(client, second_moderator)

    assert few == many
    assert Appeal.objects.count() == 7


def test_appeals_queue_brand_rep_decide_endpoint_changes_nothing(
    client, hidden, other_member, brand_rep, post
):
    appeal = appeal_action(other_member, hidden, statement=STATEMENT)
    _login(client, brand_rep)

    response = client.post(
        _decide_url(appeal), {"decision": "uphold", "reason": "Competitor link"}
    )

    assert response.status_code == 403
    appeal.refresh_from_db()
    post.refresh_from_db()
    assert appeal.status == AppealStatus.PENDING
    assert post.is_hidden is True
    assert client.get(_decide_url(appeal)).status_code == 405
