"""The support desk's signed status updates coming back: shown publicly in
the thread, told to the asker (in-app and by email), and every forged,
replayed, stale, malformed or misaddressed callback refused with a 4xx JSON
error and nothing changed."""

import json
import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from forum import actions as forum_actions
from notifications.emails import deliver_email
from notifications.models import (
    Delivery,
    EmailFrequency,
    Event,
    Notification,
    NotificationKind,
    NotificationPreferences,
)
from notifications.tasks import dispatch_event
from support.models import StatusUpdate, SupportDesk, Ticket, TicketStatus
from tests.factories import (
    make_admin,
    make_brand,
    make_moderator,
    make_topic,
    make_user,
)
from tests.permissions.effects import data_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalated(scene):
    escalation = forum_actions.escalate_to_support(scene["rep"], scene["topic"])
    Event.objects.update(dispatched_at="2026-01-01T00:00:00Z")
    return escalation


def _post(client, desk, data, *, slug="brevetto", **kwargs):
    body, headers = desk.callback(data, **kwargs)
    return client.post(
        reverse("support:desk_callback", args=[slug]),
        data=body,
        content_type="application/json",
        **headers,
    )


def _update(escalation, status, event_id):
    return {"event_id": event_id, "reference": escalation.reference, "status": status}


def _deliver_notifications():
    for event in Event.objects.filter(dispatched_at__isnull=True).order_by("pk"):
        dispatch_event(event.pk)
    for delivery_id in Delivery.objects.filter(
        channel=Delivery.Channel.EMAIL, status=Delivery.Status.PENDING
    ).values_list("pk", flat=True):
        deliver_email(delivery_id)


def test_status_updates_show_in_the_thread_and_reach_the_asker(
    client, scene, desk, escalated
):
    asker = scene["asker"]
    NotificationPreferences.objects.update_or_create(
        user=asker, defaults={"email_frequency": EmailFrequency.IMMEDIATELY}
    )
    mail.outbox.clear()

    opened = _post(client, desk, _update(escalated, "open", "evt-1"))
    resolved = _post(client, desk, _update(escalated, "resolved", "evt-2"))

    assert opened.status_code == resolved.status_code == 200
    assert resolved.json() == {
        "ok": True,
        "reference": escalated.reference,
        "status": "resolved",
        "changed": True,
    }
    # Public, in the thread, in order, with no reference.
    page = Client().get(scene["topic"].get_absolute_url()).content.decode()
    assert "Brevetto support: open" in page
    assert "Brevetto support: resolved" in page
    assert page.index("Brevetto support: open") < page.index(
        "Brevetto support: resolved"
    )
    assert escalated.reference not in page
    # The asker hears of each, in the app and by email.
    _deliver_notifications()
    notes = Notification.objects.filter(
        recipient=asker, kind=NotificationKind.SUPPORT_STATUS
    ).order_by("pk")
    assert [n.text for n in notes] == [
        "Your escalated topic “Duo pump hums but no water”: Brevetto support: open",
        "Your escalated topic “Duo pump hums but no water”: Brevetto support: resolved",
    ]
    assert Notification.objects.exclude(recipient=asker).count() == 0
    assert [m.to for m in mail.outbox] == [[asker.email], [asker.email]]
    assert "Brevetto support: resolved" in str(mail.outbox[1].subject)
    assert "shows publicly in your topic" in mail.outbox[1].body
    client.force_login(asker)
    listed = client.get(reverse("notifications:list")).content.decode()
    assert "Brevetto support: resolved" in listed
    # The representative's button says where it stands.
    client.force_login(scene["rep"])
    page = client.get(scene["topic"].get_absolute_url()).content.decode()
    assert (
        f"Escalated to support · reference {escalated.reference} · status resolved"
        in page
    )
    assert "Escalate to support</a>" not in page


def test_the_desks_ticket_id_is_kept(client, scene, desk, escalated):
    data = {**_update(escalated, "open", "evt-1"), "ticket_id": 2291}
    assert _post(client, desk, data).status_code == 200
    data = {**_update(escalated, "resolved", "evt-2"), "ticket_id": None}
    assert _post(client, desk, data).status_code == 200

    assert Ticket.objects.get().desk_ticket_id == "2291"


def test_the_same_status_again_is_acknowledged_without_a_note(
    client, scene, desk, escalated
):
    _post(client, desk, _update(escalated, "open", "evt-1"))

    again = _post(client, desk, _update(escalated, "open", "evt-2"))

    assert again.status_code == 200
    assert again.json()["changed"] is False
    assert StatusUpdate.objects.count() == 1


def _refused(client, desk, escalated, data, *, status, error, **kwargs):
    before = data_state()
    response = _post(client, desk, data, **kwargs)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["ok"] is False
    assert response.json()["error"] == error
    assert response.json()["message"]
    assert data_state() == before, "a refused callback changed something"
    return response


def test_a_forged_signature_is_refused_and_changes_nothing(
    client, scene, desk, escalated
):
    _refused(
        client,
        desk,
        escalated,
        _update(escalated, "resolved", "evt-1"),
        secret="guessed-secret",
        status=403,
        error="bad_signature",
    )
    assert Ticket.objects.get().status == TicketStatus.AWAITING


def test_a_body_changed_after_signing_is_refused(client, scene, desk, escalated):
    body, headers = desk.callback(_update(escalated, "open", "evt-1"))
    tampered = body.replace(b'"open"', b'"resolved"')
    before = data_state()

    response = client.post(
        reverse("support:desk_callback", args=["brevetto"]),
        data=tampered,
        content_type="application/json",
        **headers,
    )

    assert response.status_code == 403
    assert response.json()["error"] == "bad_signature"
    assert data_state() == before


def test_a_replayed_callback_is_refused_and_changes_nothing(
    client, scene, desk, escalated
):
    body, headers = desk.callback(_update(escalated, "waiting_on_customer", "evt-1"))
    url = reverse("support:desk_callback", args=["brevetto"])
    first = client.post(url, data=body, content_type="application/json", **headers)
    assert first.status_code == 200
    before = data_state()

    replay = client.post(url, data=body, content_type="application/json", **headers)

    assert replay.status_code == 409
    assert replay.json()["error"] == "replayed_event"
    assert data_state() == before


def test_an_old_callback_is_refused_even_with_a_new_event_id(
    client, scene, desk, escalated
):
    _refused(
        client,
        desk,
        escalated,
        _update(escalated, "resolved", "evt-9"),
        at=int(time.time()) - 301,
        status=403,
        error="stale_timestamp",
    )


def test_an_unknown_reference_is_refused(client, scene, desk, escalated):
    _refused(
        client,
        desk,
        escalated,
        {"event_id": "evt-1", "reference": "BREV-NOPE00", "status": "resolved"},
        status=404,
        error="unknown_reference",
    )


def test_another_brands_reference_is_unknown_to_this_desk(
    client, scene, desk, escalated
):
    other = make_brand("Lumo")
    SupportDesk.objects.create(brand=other, webhook_secret=desk.secret)
    _refused(
        client,
        desk,
        escalated,
        _update(escalated, "resolved", "evt-1"),
        slug="lumo",
        status=404,
        error="unknown_reference",
    )


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", "malformed_json"),
        (b"[1, 2]", "malformed_json"),
        (json.dumps({"event_id": "e", "status": "resolved"}).encode(), "invalid_field"),
    ],
)
def test_malformed_bodies_are_refused(client, scene, desk, escalated, body, error):
    _refused(client, desk, escalated, body, status=400, error=error)


def test_a_status_the_desk_may_not_send_is_refused(client, scene, desk, escalated):
    _refused(
        client,
        desk,
        escalated,
        _update(escalated, "awaiting", "evt-1"),
        status=400,
        error="invalid_status",
    )


def test_an_unknown_desk_is_refused(client, scene, desk, escalated):
    _refused(
        client,
        desk,
        escalated,
        _update(escalated, "resolved", "evt-1"),
        slug="nobody",
        status=404,
        error="unknown_desk",
    )


def test_a_desk_without_a_secret_takes_no_callbacks(client, scene, desk, escalated):
    SupportDesk.objects.update(webhook_secret="")
    _refused(
        client,
        desk,
        escalated,
        _update(escalated, "resolved", "evt-1"),
        secret="",
        status=404,
        error="unknown_desk",
    )


def test_only_post_is_accepted(client, scene, escalated):
    url = reverse("support:desk_callback", args=["brevetto"])

    assert client.get(url).status_code == 405
    assert client.put(url).status_code == 405


@pytest.mark.parametrize(
    "who", ["anonymous", "member", "asker", "brand_rep", "moderator", "admin"]
)
def test_nobody_without_the_signature_can_post_a_callback(
    client, scene, escalated, who
):
    """The callback's permission matrix: no session, role or CSRF token
    counts; only the desk's signature does."""
    people = {
        "member": make_user("bystander"),
        "asker": scene["asker"],
        "brand_rep": scene["rep"],
        "moderator": make_moderator(scene["category"], "mira"),
        "admin": make_admin("ines"),
    }
    if who in people:
        client.force_login(people[who])
    before = data_state()

    response = client.post(
        reverse("support:desk_callback", args=["brevetto"]),
        data=json.dumps(_update(escalated, "resolved", "evt-1")),
        content_type="application/json",
    )

    assert response.status_code == 403
    assert response.json()["error"] == "missing_signature"
    assert data_state() == before
    assert "Brevetto support: resolved" not in (
        Client().get(scene["topic"].get_absolute_url()).content.decode()
    )


def test_status_notes_stay_on_their_own_topic(client, scene, desk, escalated):
    """A status note belongs to the escalated topic only."""
    other = make_topic(scene["category"], make_user("zed"), title="Unrelated topic")
    _post(client, desk, _update(escalated, "resolved", "evt-1"))

    page = Client().get(other.get_absolute_url()).content.decode()

    assert "Brevetto support" not in page
