"""Escalating a topic: once, by the configured backend; the email desk gets a
structured message; without a backend the reference is recorded and the
thread says so; the representative's button and the topic page."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from forum import actions as forum_actions
from forum.models import Escalation
from support.actions import deliver_escalation
from support.models import (
    Backend,
    Delivery,
    DeliveryStatus,
    StatusUpdate,
    Ticket,
    TicketStatus,
)
from tests.factories import make_brand, make_post, make_user

pytestmark = pytest.mark.django_db


def test_none_backend_records_the_reference_and_the_thread_says_so(
    client, scene, settings, desk, django_capture_on_commit_callbacks
):
    settings.ESCALATION_BACKEND = "none"

    with django_capture_on_commit_callbacks(execute=True):
        escalation = forum_actions.escalate_to_support(scene["rep"], scene["topic"])

    ticket = Ticket.objects.get(escalation=escalation)
    assert ticket.backend == Backend.NONE
    assert ticket.status == TicketStatus.AWAITING
    assert not Delivery.objects.exists()
    assert desk.received == [] and mail.outbox == []
    page = Client().get(scene["topic"].get_absolute_url()).content.decode()
    assert "Escalated to Brevetto support" in page
    assert escalation.reference not in page
    client.force_login(scene["asker"])
    assert (
        escalation.reference
        in client.get(scene["topic"].get_absolute_url()).content.decode()
    )


def test_email_backend_sends_a_structured_message_to_the_desk(
    scene, settings, django_capture_on_commit_callbacks
):
    settings.ESCALATION_BACKEND = "email"
    with django_capture_on_commit_callbacks():
        escalation = forum_actions.escalate_to_support(
            scene["rep"], scene["topic"], note="Warranty pump swap."
        )
    delivery = Delivery.objects.get(ticket__escalation=escalation)
    assert delivery.channel == Backend.EMAIL
    assert delivery.target == "support@brevetto.example"
    mail.outbox.clear()

    assert deliver_escalation(delivery.pk) == DeliveryStatus.DELIVERED

    (message,) = mail.outbox
    assert message.to == ["support@brevetto.example"]
    assert escalation.reference in message.subject
    assert "Duo pump hums but no water" in message.subject
    assert message.extra_headers["X-Hearth-Reference"] == escalation.reference
    body = message.body
    topic = scene["topic"]
    assert f"Reference:      {escalation.reference}" in body
    assert f"Link:           https://forum.example{topic.get_absolute_url()}" in body
    assert f"Asked by:       {topic.author_name}" in body
    assert f"Escalated by:   {scene['rep'].name}, Brevetto representative" in body
    assert "Warranty pump swap." in body
    assert scene["asker"].email not in body  # nothing the asker did not post
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.delivered_at is not None
    # Sent once: a second run finds it delivered.
    assert deliver_escalation(delivery.pk) == DeliveryStatus.DELIVERED
    assert len(mail.outbox) == 1


def test_escalating_twice_is_refused_with_the_reference_and_status(
    client, scene, settings
):
    settings.ESCALATION_BACKEND = "none"
    first = forum_actions.escalate_to_support(scene["rep"], scene["topic"])

    with pytest.raises(ValidationError) as refused:
        forum_actions.escalate_to_support(scene["rep"], scene["topic"])

    message = refused.value.messages[0]
    assert "already escalated to Brevetto support" in message
    assert first.reference in message and "awaiting support" in message
    assert Escalation.objects.count() == Ticket.objects.count() == 1
    # Over HTTP: the form comes back with the message, nothing written.
    client.force_login(scene["rep"])
    url = reverse("forum:escalate", args=[scene["topic"].pk])
    response = client.post(url, {"note": "again"})
    assert response.status_code == 400
    assert "already escalated to Brevetto support" in response.content.decode()
    assert Escalation.objects.count() == 1
    # The escalate page says so instead of offering the form.
    page = client.get(url).content.decode()
    assert "This topic was already escalated to Brevetto support" in page
    assert first.reference in page
    assert 'name="note"' not in page


def test_the_button_becomes_the_escalation_status(client, scene, settings):
    settings.ESCALATION_BACKEND = "none"
    client.force_login(scene["rep"])
    url = scene["topic"].get_absolute_url()
    assert "Escalate to support</a>" in client.get(url).content.decode()

    escalation = forum_actions.escalate_to_support(scene["rep"], scene["topic"])

    page = client.get(url).content.decode()
    assert "Escalate to support</a>" not in page
    assert (
        f"Escalated to support · reference {escalation.reference} · "
        "status awaiting support"
    ) in page


def test_the_note_after_escalating_reads_just_now_without_a_stray_space(
    client, scene, settings
):
    settings.ESCALATION_BACKEND = "none"
    forum_actions.escalate_to_support(scene["rep"], scene["topic"])

    page = Client().get(scene["topic"].get_absolute_url()).content.decode()

    note = re.search(r"Escalated to Brevetto support (.*?)Nothing", page, re.S)
    assert note is not None
    text = re.sub(r"<[^>]+>", "", note.group(1))
    assert text == "just now. "
    assert "0\xa0minutes" not in page


def test_older_times_read_as_before(client, scene, settings):
    settings.ESCALATION_BACKEND = "none"
    escalation = forum_actions.escalate_to_support(scene["rep"], scene["topic"])
    Escalation.objects.filter(pk=escalation.pk).update(
        created_at=timezone.now() - timedelta(hours=3, minutes=5)
    )

    page = Client().get(scene["topic"].get_absolute_url()).content.decode()

    assert "3\xa0hours, 5\xa0minutes ago</time>. Nothing" in page


def test_topic_page_queries_do_not_grow_with_status_updates(client, scene, settings):
    settings.ESCALATION_BACKEND = "none"
    for n in range(3):
        make_post(scene["topic"], make_user(f"helper{n}"), body=f"Try this {n}.")
    escalation = forum_actions.escalate_to_support(scene["rep"], scene["topic"])
    ticket = escalation.ticket
    client.force_login(scene["asker"])
    url = scene["topic"].get_absolute_url()

    def count() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        return len(ctx.captured_queries)

    StatusUpdate.objects.create(
        ticket=ticket,
        desk=scene["desk"],
        event_id="e0",
        status=TicketStatus.OPEN,
        sent_at=timezone.now(),
        received_at=timezone.now(),
    )
    one = count()
    for n, status in enumerate(
        [TicketStatus.WAITING_ON_CUSTOMER, TicketStatus.OPEN, TicketStatus.RESOLVED] * 4
    ):
        StatusUpdate.objects.create(
            ticket=ticket,
            desk=scene["desk"],
            event_id=f"e{n + 1}",
            status=status,
            sent_at=timezone.now(),
            received_at=timezone.now(),
        )
    many = count()

    assert many == one
    page = client.get(url).content.decode()
    assert page.count("support-note support-note-") == 13


def test_another_brands_representative_is_refused_without_the_reference(
    client, scene, settings
):
    settings.ESCALATION_BACKEND = "none"
    first = forum_actions.escalate_to_support(scene["rep"], scene["topic"])
    other = make_user("yuki", role=Role.BRAND_REP, brand=make_brand("Lumo"))
    client.force_login(other)

    response = client.post(
        reverse("forum:escalate", args=[scene["topic"].pk]), {"note": "Ours too."}
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "already escalated to Brevetto support (status: awaiting support)" in html
    assert first.reference not in html
    page = client.get(scene["topic"].get_absolute_url()).content.decode()
    assert "Escalated to support · status awaiting support" in page
    assert first.reference not in page
