"""A suspended member can't sign in, yet is told of the suspension by email
and can appeal it through the signed link in that email."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from moderation.actions.sanctions import sanction_user
from moderation.appeal_links import appeal_path
from moderation.models import Appeal, ModerationAction
from notifications.emails import deliver_email
from notifications.models import Delivery, Event
from notifications.tasks import dispatch_event

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
