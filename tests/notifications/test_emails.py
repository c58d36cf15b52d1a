"""Immediate notification emails: notifications.emails.deliver_email.

Notifications and deliveries come from the real pipeline: content is
created through forum.actions, and the outbox events are dispatched by
calling notifications.tasks.dispatch_event directly.
"""

from datetime import timedelta
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from accounts.models import GroupMembership
from forum.models import Post
from notifications.emails import MAX_ATTEMPTS, deliver_email
from notifications.models import (
    Delivery,
    EmailFrequency,
    Event,
    KindPreference,
    Notification,
    NotificationKind,
    NotificationPreferences,
)
from notifications.tasks import dispatch_event, send_notification_email
from notifications.unsubscribe import read_token
from tests.factories import make_category, make_group, make_post, make_topic, make_user

pytestmark = pytest.mark.django_db

SITE_URL = "https://forum.example.org"


class FailingBackend(BaseEmailBackend):
    """A mail server that is down: every send raises, as smtplib does."""

    def send_messages(self, email_messages):
        raise SMTPException("421 Service not available, try again later")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_NAME = "Hearth"
    settings.SITE_URL = SITE_URL
    settings.NOTIFICATIONS_DAILY_EMAIL_CAP = 30


def dispatch_all() -> None:
    for event_id in Event.objects.filter(dispatched_at__isnull=True).values_list(
        "pk", flat=True
    ):
        dispatch_event(event_id)


def email_delivery(recipient) -> Delivery:
    return Delivery.objects.get(recipient=recipient, channel=Delivery.Channel.EMAIL)


def reply(topic, author, body: str = "Use citric acid at 60 degrees.") -> Delivery:
    """Reply to *topic*, dispatch the events; return the topic author's email delivery."""
    make_post(topic, author, body=body)
    dispatch_all()
    return (
        Delivery.objects.filter(
            recipient_id=topic.author_id, channel=Delivery.Channel.EMAIL
        )
        .order_by("-pk")
        .first()
    )


def test_deliver_email_sends_one_email_with_both_parts_and_unsubscribe_headers(
    topic, member, other_member
):
    delivery = reply(topic, other_member)

    deliver_email(delivery.pk)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [member.email]
    assert message.subject == "[Hearth] bob replied in “How do I descale?”"
    post = topic.posts.get(number=2)
    post_url = f"{SITE_URL}{topic.get_post_url(post.number)}"
    assert "bob replied in “How do I descale?”" in message.body
    assert "Use citric acid at 60 degrees." in message.body
    assert post_url in message.body
    assert isinstance(message, EmailMultiAlternatives)
    [(html, mimetype)] = message.alternatives
    assert isinstance(html, str)
    assert mimetype == "text/html"
    assert "Use citric acid at 60 degrees." in html
    assert f'href="{post_url}"' in html
    assert f"{SITE_URL}/settings/notifications/" in html
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith(f"<{SITE_URL}/unsubscribe/")
    assert unsubscribe.endswith("/>")
    token = unsubscribe[len(f"<{SITE_URL}/unsubscribe/") : -len("/>")]
    wanted = read_token(token)
    assert (wanted.user_id, wanted.kind) == (member.pk, NotificationKind.REPLIED)
    assert unsubscribe[1:-1] in html  # the footer links to the same page
    assert message.extra_headers["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 1)


def test_deliver_email_a_second_time_sends_nothing(topic, other_member):
    delivery = reply(topic, other_member)

    deliver_email(delivery.pk)
    deliver_email(delivery.pk)

    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 1)


def test_deliver_email_through_the_task_sends_once(topic, other_member):
    delivery = reply(topic, other_member)

    send_notification_email(delivery.pk)
    send_notification_email(delivery.pk)

    assert len(mail.outbox) == 1


def test_deliver_email_escapes_markup_in_html_and_not_in_text(category, other_member):
    author = make_user("carol")
    topic = make_topic(category, author, title="Milk <b>frothing</b> & foam")
    delivery = reply(topic, other_member, body="Try *cold* milk & a <i>clean</i> wand.")

    deliver_email(delivery.pk)

    message = mail.outbox[0]
    assert isinstance(message, EmailMultiAlternatives)
    [(html, _mimetype)] = message.alternatives
    assert isinstance(html, str)
    assert "<b>frothing</b>" not in html
    assert "Milk &lt;b&gt;frothing&lt;/b&gt; &amp; foam" in html
    assert "<i>clean</i>" not in html
    assert "Milk <b>frothing</b> & foam" in message.body  # plain text stays plain


def test_deliver_email_skips_notification_read_in_the_app(topic, other_member):
    delivery = reply(topic, other_member)
    Notification.objects.filter(pk=delivery.notification_id).update(
        read_at=timezone.now()
    )

    deliver_email(delivery.pk)

    assert mail.outbox == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.detail) == (
        Delivery.Status.SKIPPED,
        "read in the app",
    )


@pytest.mark.parametrize(
    ("frequency", "per_kind", "detail"),
    [
        (EmailFrequency.IMMEDIATELY, {"replied": KindPreference.OFF}, "preference off"),
        (
            EmailFrequency.IMMEDIATELY,
            {"replied": KindPreference.DIGEST},
            "preference digest",
        ),
        (EmailFrequency.DAILY, {}, "email frequency daily"),
        (EmailFrequency.NEVER, {}, "email frequency never"),
    ],
)
def test_deliver_email_skips_when_preferences_changed_after_fan_out(
    topic, member, other_member, frequency, per_kind, detail
):
    delivery = reply(topic, other_member)
    NotificationPreferences.objects.create(
        user=member, email_frequency=frequency, per_kind=per_kind
    )

    deliver_email(delivery.pk)

    assert mail.outbox == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.detail) == (Delivery.Status.SKIPPED, detail)


def test_deliver_email_skips_over_the_daily_cap(settings, topic, other_member):
    settings.NOTIFICATIONS_DAILY_EMAIL_CAP = 1
    first = reply(topic, other_member, body="First answer.")
    second = reply(topic, other_member, body="Second answer.")
    assert first.pk != second.pk

    deliver_email(first.pk)
    deliver_email(second.pk)

    assert len(mail.outbox) == 1
    second.refresh_from_db()
    assert (second.status, second.detail) == (Delivery.Status.SKIPPED, "daily cap")
    # Still in the app; the digest picks it up (tests/notifications/test_digests.py).
    assert Notification.objects.get(pk=second.notification_id).read_at is None


def test_deliver_email_daily_cap_counts_only_todays_emails(
    settings, topic, other_member
):
    settings.NOTIFICATIONS_DAILY_EMAIL_CAP = 1
    first = reply(topic, other_member, body="First answer.")
    deliver_email(first.pk)
    Delivery.objects.filter(pk=first.pk).update(
        updated_at=timezone.now() - timedelta(days=1, hours=1)
    )
    second = reply(topic, other_member, body="Second answer.")

    deliver_email(second.pk)

    assert len(mail.outbox) == 2


def test_deliver_email_skips_when_recipient_can_no_longer_view_the_topic():
    group = make_group("Beta testers")
    beta = make_category("Beta", restricted_to=group)
    tester, other_tester = make_user("tess"), make_user("theo")
    GroupMembership.objects.create(group=group, user=tester)
    GroupMembership.objects.create(group=group, user=other_tester)
    topic = make_topic(beta, tester, title="Firmware 2.1 beta notes")
    delivery = reply(topic, other_tester)
    GroupMembership.objects.filter(group=group, user=tester).delete()

    deliver_email(delivery.pk)

    assert mail.outbox == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.detail) == (
        Delivery.Status.SKIPPED,
        "cannot view topic",
    )


def test_deliver_email_skips_a_reply_hidden_before_sending(topic, other_member):
    delivery = reply(topic, other_member, body="Buy cheap watches here.")
    # What moderation.actions.posts.hide_post (or flags reaching the
    # threshold) leaves on the post; the action itself is tested elsewhere.
    Post.objects.filter(topic=topic, number=2).update(
        is_hidden=True, hidden_at=timezone.now(), hide_reason="Spam"
    )

    deliver_email(delivery.pk)

    assert mail.outbox == []
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SKIPPED


def test_deliver_email_skips_a_suspended_recipient(topic, member, other_member):
    delivery = reply(topic, other_member)
    type(member).objects.filter(pk=member.pk).update(
        suspended_until=timezone.now() + timedelta(days=3)
    )

    deliver_email(delivery.pk)

    assert mail.outbox == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.detail) == (Delivery.Status.SKIPPED, "suspended")


def test_deliver_email_skips_an_unverified_address(category, other_member):
    author = make_user("dana", verified=False)
    topic = make_topic(category, author, title="Which grinder for espresso?")
    delivery = reply(topic, other_member)

    deliver_email(delivery.pk)

    assert mail.outbox == []
    delivery.refresh_from_db()
    assert delivery.detail == "email not verified"


def test_deliver_email_smtp_failure_leaves_it_pending_and_raises(
    settings, topic, other_member
):
    delivery = reply(topic, other_member)
    settings.EMAIL_BACKEND = "tests.notifications.test_emails.FailingBackend"

    with pytest.raises(SMTPException):
        deliver_email(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.attempts == 1
    assert "421 Service not available" in delivery.detail


def test_deliver_email_retry_after_smtp_failure_sends_once(
    settings, topic, other_member
):
    delivery = reply(topic, other_member)
    settings.EMAIL_BACKEND = "tests.notifications.test_emails.FailingBackend"
    with pytest.raises(SMTPException):
        deliver_email(delivery.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    deliver_email(delivery.pk)
    deliver_email(delivery.pk)

    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 2)


def test_deliver_email_marks_failed_after_the_last_attempt(
    settings, topic, other_member
):
    delivery = reply(topic, other_member)
    Delivery.objects.filter(pk=delivery.pk).update(attempts=MAX_ATTEMPTS - 1)
    settings.EMAIL_BACKEND = "tests.notifications.test_emails.FailingBackend"

    with pytest.raises(SMTPException):
        deliver_email(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == MAX_ATTEMPTS


def test_deliver_email_leaves_a_delivery_being_sent_alone(topic, other_member):
    delivery = reply(topic, other_member)
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.SENDING)

    deliver_email(delivery.pk)

    assert mail.outbox == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENDING, 0)


def test_deliver_email_marks_a_send_interrupted_long_ago_failed_without_sending(
    topic, other_member
):
    """A worker killed mid-send leaves "sending"; once its lease ended, the
    next call must not send a possible duplicate, and must stop the row being
    re-enqueued."""
    delivery = reply(topic, other_member)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENDING,
        claimed_until=timezone.now() - timedelta(seconds=1),
    )

    deliver_email(delivery.pk)

    assert mail.outbox == []
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.detail.startswith("may have been sent: interrupted while sending")
