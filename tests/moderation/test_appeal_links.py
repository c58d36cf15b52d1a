"""A suspended member can't sign in, yet is told of the suspension by email
and can appeal it through the signed link in that email."""

import time
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from moderation.actions.sanctions import sanction_user
from moderation.appeal_links import appeal_path
from moderation.models import Appeal, ModerationAction
from notifications.emails import deliver_email
from notifications.models import Delivery, Event
from notifications.tasks import dispatch_event
from permissions.policy import APPEAL_WINDOW

pytestmark = pytest.mark.django_db


def test_suspended_member_is_emailed_and_appeals_by_link(
    client, moderator, other_member
):
    sanction_user(
        moderator,
        other_member,
        kind="suspension",
        rule=None,
        reason="Repeated personal attacks.",
        duration=timedelta(days=7),
    )
    for event_id in Event.objects.values_list("pk", flat=True):
        dispatch_event(event_id)
    delivery = Delivery.objects.get(recipient=other_member, channel="email")

    deliver_email(delivery.pk)

    assert len(mail.outbox) == 1
    action = ModerationAction.objects.get(kind="user_suspended")
    link = appeal_path(action)
    assert link in mail.outbox[0].body
    # No session: the signed link is enough, even for a suspended member.
    page = client.get(link)
    assert page.status_code == 200
    response = client.post(
        link, {"statement": "I was quoting someone else, please look again."}
    )
    assert response.status_code == 302
    assert Appeal.objects.get(action=action).appellant == other_member


def test_appeal_link_is_tamper_proof(client, moderator, other_member):
    sanction_user(
        moderator,
        other_member,
        kind="warning",
        rule=None,
        reason="Tone.",
        duration=None,
    )
    action = ModerationAction.objects.get()
    forged = appeal_path(action)[:-3] + "xyz/"

    response = client.get(forged)

    assert response.status_code == 404
    assert b"not valid" in response.content
    assert (
        client.get(reverse("moderation:appeal_by_link", args=["nonsense"])).status_code
        == 404
    )


def _warned(moderator, member) -> ModerationAction:
    sanction_user(
        moderator, member, kind="warning", rule=None, reason="Tone.", duration=None
    )
    return ModerationAction.objects.get()


def test_appeal_link_does_not_depend_on_when_it_is_made(
    moderator, other_member, monkeypatch
):
    """Regression: the token carried its signing second, so the link in the
    email and one made a second later differed (the test above flaked)."""
    action = _warned(moderator, other_member)
    first = appeal_path(action)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3600)  # an hour on

    assert appeal_path(action) == first


def test_appeal_link_expires_with_the_appeal_window(client, moderator, other_member):
    action = _warned(moderator, other_member)
    link = appeal_path(action)
    assert client.get(link).status_code == 200
    ModerationAction.objects.filter(pk=action.pk).update(
        created_at=timezone.now() - APPEAL_WINDOW - timedelta(minutes=1)
    )

    response = client.get(link)

    assert response.status_code == 404
    assert b"expired" in response.content


def test_links_signed_with_a_time_by_earlier_versions_still_work(
    client, moderator, other_member
):
    action = _warned(moderator, other_member)
    legacy = signing.dumps(
        {"a": action.pk, "u": action.target_user_id}, salt="hearth.appeal"
    )

    response = client.get(reverse("moderation:appeal_by_link", args=[legacy]))

    assert response.status_code == 200
    assert b"not valid" not in response.content
