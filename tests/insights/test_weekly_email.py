"""The weekly listening report, from the beat task to Notification rows and email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from accounts.models import Brand
from insights.actions import send_weekly_reports
from insights.tasks import send_weekly_reports as weekly_task
from notifications.emails import deliver_email
from notifications.models import (
    Delivery,
    Event,
    EventKind,
    KindPreference,
    Notification,
    NotificationKind,
    NotificationPreferences,
)
from notifications.tasks import dispatch_event
from tests.factories import make_brand, make_user

pytestmark = pytest.mark.django_db


def _deliver() -> None:
    for event in Event.objects.filter(dispatched_at__isnull=True).order_by("pk"):
        dispatch_event(event.pk)
    for pk in Delivery.objects.filter(
        channel=Delivery.Channel.EMAIL, status=Delivery.Status.PENDING
    ).values_list("pk", flat=True):
        deliver_email(pk)


def _clear(world) -> None:
    Event.objects.filter(dispatched_at__isnull=True).update(
        dispatched_at=timezone.now()
    )
    mail.outbox.clear()


def test_each_active_rep_of_each_brand_gets_their_own_brands_report(world, settings):
    settings.NOTIFICATIONS_DAILY_EMAIL_CAP = 100
    other = make_brand("Othercorp")
    olga = make_user("olga", role="brand_rep", brand=other)
    make_user("gone", role="brand_rep", brand=other, is_active=False)
    make_user("otis", role="brand_rep", brand=Brand.objects.get(slug="brevetto"))
    _clear(world)

    assert weekly_task() == 2  # Brevetto and Othercorp
    _deliver()

    got = sorted(
        Notification.objects.filter(kind=NotificationKind.INSIGHTS_WEEKLY).values_list(
            "recipient__username", flat=True
        )
    )
    # dave became Brevetto's representative in the fixture.
    assert got == ["dave", "marco", "olga", "otis"]
    by_to = {message.to[0]: message for message in mail.outbox}
    marco = by_to[world["marco"].email]
    assert "Your weekly listening report is ready" in marco.subject
    # marco's email is his brand's report, as he may read it.
    assert "Grinder burrs squeak loudly" in marco.body
    assert "Beta firmware pressure curve" not in marco.body  # restricted
    assert "Most discussed without Brevetto" in marco.body
    assert "/brand/insights/" in marco.body
    assert isinstance(marco, EmailMultiAlternatives)
    html = marco.alternatives[0][0]
    assert "Members to thank" in str(html)
    assert "Most discussed without Othercorp" in by_to[olga.email].body


def test_sent_once_a_week_whatever_the_retries(world):
    monday = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)

    first = send_weekly_reports(monday)
    again = send_weekly_reports(monday + timedelta(days=3))
    next_week = send_weekly_reports(monday + timedelta(days=7))

    assert len(first) == 1 and again == [] and next_week == first
    weeks = sorted(
        Event.objects.filter(kind=EventKind.INSIGHTS_WEEKLY).values_list(
            "payload__week", flat=True
        )
    )
    assert weeks == ["2026-W49", "2026-W50"]


def test_a_rep_who_turned_it_off_gets_no_email(world, settings):
    settings.NOTIFICATIONS_DAILY_EMAIL_CAP = 100
    NotificationPreferences.objects.create(
        user=world["marco"],
        per_kind={NotificationKind.INSIGHTS_WEEKLY: KindPreference.OFF},
    )
    _clear(world)

    send_weekly_reports()
    _deliver()

    assert world["marco"].email not in [m.to[0] for m in mail.outbox]
    assert world["dave"].email in [m.to[0] for m in mail.outbox]


def test_members_never_hear_of_it(world):
    _clear(world)
    send_weekly_reports()
    _deliver()

    assert not Notification.objects.filter(
        kind=NotificationKind.INSIGHTS_WEEKLY,
        recipient__role="member",
    ).exists()


def test_only_representatives_choose_how_they_get_it(client, world):
    url = "/settings/notifications/"
    client.force_login(world["marco"])
    assert "weekly listening report" in client.get(url).content.decode()
    client.force_login(world["alice"])
    assert "weekly listening report" not in client.get(url).content.decode()
