"""Which failures count as "may have been sent", and the claim's lease.

Only a failure inside the backend call may have delivered an email; it is
then failed "may have been sent" and never sent again. Anything earlier, and
a mail server's refusal, sent nothing: the email goes back to pending. A
claim whose worker died is put back by the sweep once its lease ends.

The mail servers here are real SMTP servers on 127.0.0.1 (smtp_server.py)
reached through Django's smtp backend. Worker deaths and database errors in
real processes are in test_worker_delivery.py.
"""

from datetime import timedelta
from smtplib import SMTPDataError, SMTPServerDisconnected

import pytest
from django.core import mail
from django.utils import timezone

from notifications import emails
from notifications.emails import MAX_ATTEMPTS, MAY_HAVE_BEEN_SENT, deliver_email
from notifications.models import Delivery
from notifications.tasks import sweep_undispatched_events
from tests.notifications.smtp_server import SMTPServer, free_port
from tests.notifications.test_emails import reply

pytestmark = pytest.mark.django_db

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://forum.example.org"
    settings.NOTIFICATIONS_DAILY_EMAIL_CAP = 30
    settings.NOTIFICATIONS_SWEEP_AFTER_SECONDS = 120


@pytest.fixture
def smtp(settings):
    servers: list[SMTPServer] = []

    def start(mode: str) -> SMTPServer:
        server = SMTPServer(mode)
        servers.append(server)
        settings.EMAIL_BACKEND = SMTP_BACKEND
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_TIMEOUT = 10
        return server

    yield start
    for server in servers:
        server.close()


def _state(delivery: Delivery) -> tuple[str, int]:
    delivery.refresh_from_db()
    return delivery.status, delivery.attempts


def test_a_real_smtp_server_gets_the_email_once(smtp, topic, other_member):
    server = smtp("accept")
    delivery = reply(topic, other_member)

    deliver_email(delivery.pk)
    deliver_email(delivery.pk)

    assert len(server.messages) == 1
    assert b"To: alice@example.com" in server.messages[0]
    assert _state(delivery) == (Delivery.Status.SENT, 1)
    assert delivery.claimed_until is None


def test_connection_dropped_after_the_message_may_have_been_sent_and_is_never_resent(
    smtp, topic, other_member
):
    server = smtp("drop")
    delivery = reply(topic, other_member)

    with pytest.raises(SMTPServerDisconnected):
        deliver_email(delivery.pk)

    assert len(server.messages) == 1  # it did arrive; the worker can't know
    assert _state(delivery) == (Delivery.Status.FAILED, 1)
    assert delivery.detail.startswith(MAY_HAVE_BEEN_SENT)
    server.mode = "accept"
    deliver_email(delivery.pk)
    assert sweep_undispatched_events() == 0
    assert len(server.messages) == 1
    assert _state(delivery) == (Delivery.Status.FAILED, 1)


def test_a_refusal_from_the_mail_server_puts_it_back_to_pending(
    smtp, topic, other_member
):
    server = smtp("refuse")
    delivery = reply(topic, other_member)

    with pytest.raises(SMTPDataError):
        deliver_email(delivery.pk)

    assert _state(delivery) == (Delivery.Status.PENDING, 1)
    assert delivery.detail.startswith("SMTPDataError")
    server.mode = "accept"
    deliver_email(delivery.pk)
    assert len(server.messages) == 1
    assert _state(delivery) == (Delivery.Status.SENT, 2)


def test_an_unreachable_mail_server_is_a_failure_before_the_send(
    settings, topic, other_member
):
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    delivery = reply(topic, other_member)

    with pytest.raises(ConnectionRefusedError):
        deliver_email(delivery.pk)

    assert _state(delivery) == (Delivery.Status.PENDING, 1)
    assert delivery.claim_token is None and delivery.claimed_until is None


def test_a_rendering_error_sent_nothing_and_is_failed_not_sent_after_the_last_attempt(
    settings, topic, other_member
):
    delivery = reply(topic, other_member)
    settings.SITE_URL = None  # absolute_url() fails: a bug, not an outage

    with pytest.raises(AttributeError):
        deliver_email(delivery.pk)
    assert _state(delivery) == (Delivery.Status.PENDING, 1)

    Delivery.objects.filter(pk=delivery.pk).update(attempts=MAX_ATTEMPTS - 1)
    with pytest.raises(AttributeError):
        deliver_email(delivery.pk)
    assert _state(delivery) == (Delivery.Status.FAILED, MAX_ATTEMPTS)
    assert delivery.detail.startswith("not sent: AttributeError")
    assert mail.outbox == []


def test_a_dead_workers_claim_is_put_back_once_its_lease_ends(topic, other_member):
    delivery = reply(topic, other_member)
    dead_token = emails._claim(delivery.pk)  # a worker claims it, then dies
    assert dead_token is not None
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.CLAIMED
    assert delivery.claimed_until is not None
    assert delivery.claimed_until > timezone.now() + timedelta(seconds=110)

    # Within the lease nothing moves it: the worker may be alive.
    assert sweep_undispatched_events() == 0
    deliver_email(delivery.pk)
    assert mail.outbox == []
    assert _state(delivery) == (Delivery.Status.CLAIMED, 1)

    Delivery.objects.filter(pk=delivery.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert sweep_undispatched_events() == 1  # put back and queued again
    assert _state(delivery) == (Delivery.Status.PENDING, 1)
    assert "stopped before sending" in delivery.detail

    deliver_email(delivery.pk)
    assert len(mail.outbox) == 1
    assert _state(delivery) == (Delivery.Status.SENT, 2)
    # The dead worker's token moves nothing any more.
    assert emails._mark_sending(delivery.pk, dead_token) is False


def test_a_retry_takes_over_an_expired_claim_directly(topic, other_member):
    delivery = reply(topic, other_member)
    dead_token = emails._claim(delivery.pk)
    assert dead_token is not None
    Delivery.objects.filter(pk=delivery.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )

    deliver_email(delivery.pk)

    assert len(mail.outbox) == 1
    assert _state(delivery) == (Delivery.Status.SENT, 2)


def test_a_send_whose_lease_ended_is_failed_and_its_worker_may_still_record_it_sent(
    topic, other_member
):
    delivery = reply(topic, other_member)
    token = emails._claim(delivery.pk)
    assert token is not None
    assert emails._mark_sending(delivery.pk, token)
    Delivery.objects.filter(pk=delivery.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )

    assert sweep_undispatched_events() == 0  # never queued again
    assert _state(delivery) == (Delivery.Status.FAILED, 1)
    assert delivery.detail.startswith(f"{MAY_HAVE_BEEN_SENT}: interrupted")
    deliver_email(delivery.pk)
    assert mail.outbox == []

    # The worker was only slow: it finishes and knows the message left.
    emails._record_sent(delivery.pk, token)
    assert _state(delivery) == (Delivery.Status.SENT, 1)


def test_a_claim_lost_before_the_send_sends_nothing(settings, topic, other_member):
    """A worker that outlived its lease finds its claim taken over and stops
    before the send: only the new holder sends."""
    delivery = reply(topic, other_member)
    old = emails._claim(delivery.pk)
    Delivery.objects.filter(pk=delivery.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    new = emails._claim(delivery.pk)

    assert old is not None and new is not None and old != new
    assert emails._mark_sending(delivery.pk, old) is False
    assert emails._mark_sending(delivery.pk, new) is True


def test_sweep_requeues_a_never_tried_email_once_due_and_a_retrying_one_later(
    settings, topic, other_member, member
):
    """A never-tried email whose task was lost (its worker died before
    reaching it) goes out a lease after it was due; one already tried and
    put back is its retrying task's business for PENDING_GRACE more."""
    settings.NOTIFICATIONS_EMAIL_DELAY_SECONDS = 120
    delivery = reply(topic, other_member)
    now = timezone.now()

    # Due 60 s ago, not yet a lease (120 s) late.
    Delivery.objects.filter(pk=delivery.pk).update(
        updated_at=now - timedelta(seconds=180)
    )
    assert sweep_undispatched_events() == 0
    Delivery.objects.filter(pk=delivery.pk).update(
        updated_at=now - timedelta(seconds=241)
    )
    assert sweep_undispatched_events() == 1

    Delivery.objects.filter(pk=delivery.pk).update(attempts=1)
    assert sweep_undispatched_events() == 0
    Delivery.objects.filter(pk=delivery.pk).update(
        updated_at=now - timedelta(minutes=12, seconds=1)
    )
    assert sweep_undispatched_events() == 1


def test_a_retry_takes_back_its_own_claim_at_once_and_no_one_else_can(
    topic, other_member
):
    """The database went away after a task claimed an email, so the claim
    could not be released: the task's retry (same task id) takes it back
    within the lease; another task can't."""
    delivery = reply(topic, other_member)
    assert emails._claim(delivery.pk, "task-1") is not None

    deliver_email(delivery.pk, "task-2")
    deliver_email(delivery.pk)
    assert mail.outbox == []
    assert _state(delivery) == (Delivery.Status.CLAIMED, 1)

    deliver_email(delivery.pk, "task-1")
    assert len(mail.outbox) == 1
    assert _state(delivery) == (Delivery.Status.SENT, 2)
    deliver_email(delivery.pk, "task-1")
    assert len(mail.outbox) == 1


def test_two_runs_of_one_task_sharing_a_claim_send_once(topic, other_member):
    delivery = reply(topic, other_member)
    first = emails._claim(delivery.pk, "task-1")
    second = emails._claim(delivery.pk, "task-1")  # a redelivered message

    assert first == second
    assert emails._mark_sending(delivery.pk, first) is True
    assert emails._mark_sending(delivery.pk, second) is False
