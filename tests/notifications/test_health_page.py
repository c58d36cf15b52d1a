"""The staff delivery health page: admins only, aggregates in constant queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.emails import MAY_HAVE_BEEN_SENT
from notifications.models import Delivery, Event
from tests.factories import make_brand_rep, make_moderator, make_user

pytestmark = pytest.mark.django_db

HEALTH_URL = reverse("notifications:health")


def _outbox(*, queued: int, dispatched: int, failed: int, sent: int) -> None:
    now = timezone.now()
    people = [make_user() for _ in range(3)]
    events = [Event.objects.create(kind="post.created") for _ in range(queued)]
    Event.objects.filter(pk__in=[e.pk for e in events]).update(
        created_at=now - timedelta(hours=2)
    )
    if events:
        # The oldest waits three hours.
        Event.objects.filter(pk=events[0].pk).update(
            created_at=now - timedelta(hours=3, minutes=5)
        )
    done = [
        Event.objects.create(kind="post.liked", dispatched_at=now)
        for _ in range(dispatched)
    ]
    deliveries = []
    for i in range(failed):
        deliveries.append(
            Delivery(
                event=done[i % len(done)],
                recipient=people[i % 3],
                channel=Delivery.Channel.EMAIL,
                status=Delivery.Status.FAILED,
                attempts=6,
                detail=f"SMTP 550 mailbox {i} unavailable",
            )
        )
    for i in range(sent):
        deliveries.append(
            Delivery(
                event=done[i % len(done)],
                recipient=people[i % 3],
                channel=Delivery.Channel.IN_APP,
                status=Delivery.Status.SENT,
            )
        )
    # Unique per (event, recipient, channel): spread over enough events.
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("member", 403),
        ("brand_rep", 403),
        ("moderator", 403),
        ("admin", 200),
    ],
)
def test_health_page_is_for_admins_only(client, category, admin_user, who, status):
    users = {
        "member": lambda: make_user(),
        "brand_rep": lambda: make_brand_rep(),
        "moderator": lambda: make_moderator(category),
        "admin": lambda: admin_user,
    }
    client.force_login(users[who]())

    assert client.get(HEALTH_URL).status_code == status


def test_health_page_sends_visitors_to_sign_in(client):
    response = client.get(HEALTH_URL)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_health_page_shows_counts_age_and_failures(client, admin_user):
    _outbox(queued=4, dispatched=9, failed=3, sent=9)
    client.force_login(admin_user)

    response = client.get(HEALTH_URL)

    ctx = response.context
    assert (ctx["queued"], ctx["dispatched"]) == (4, 9)
    email, in_app = (
        dict(zip(ctx["statuses"], row["counts"], strict=True))
        for row in sorted(ctx["channels"], key=lambda row: str(row["label"]))
    )
    assert email["Failed"] == 3
    assert in_app["Sent"] == 9
    assert in_app["Failed"] == 0
    html = response.content.decode()
    assert "waiting for" in html
    assert "3\xa0hours, 5\xa0minutes" in html  # timesince uses no-break spaces
    assert "SMTP 550 mailbox 2 unavailable" in html
    assert "post.liked #" in html


def test_health_page_with_empty_outbox(client, admin_user):
    client.force_login(admin_user)

    html = client.get(HEALTH_URL).content.decode()

    assert "the queue is empty" in html
    assert "No failed deliveries." in html


def test_health_page_lists_the_last_twenty_failures(client, admin_user):
    _outbox(queued=0, dispatched=30, failed=30, sent=0)
    client.force_login(admin_user)

    response = client.get(HEALTH_URL)

    assert len(response.context["failed"]) == 20


def _queries(client) -> int:
    client.get(HEALTH_URL)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(HEALTH_URL).status_code == 200
    return len(ctx.captured_queries)


def test_health_page_query_count_is_constant(client, admin_user):
    client.force_login(admin_user)
    _outbox(queued=1, dispatched=2, failed=2, sent=2)
    small = _queries(client)

    _outbox(queued=40, dispatched=60, failed=60, sent=60)
    large = _queries(client)

    assert large == small


def test_health_page_counts_emails_that_may_have_been_sent(client, admin_user):
    _outbox(queued=0, dispatched=3, failed=3, sent=0)
    Delivery.objects.filter(pk__in=Delivery.objects.values("pk")[:2]).update(
        detail=f"{MAY_HAVE_BEEN_SENT}: interrupted while sending; not retried"
    )
    client.force_login(admin_user)

    response = client.get(HEALTH_URL)

    assert response.context["may_have_been_sent"] == 2
    assert "Claimed" in response.context["statuses"]
    html = response.content.decode()
    assert "never sent again, so nobody gets it twice: 2 so far" in html
    assert "may have been sent: interrupted while sending" in html
