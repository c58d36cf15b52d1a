import logging
from datetime import timedelta
from functools import partial
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from api.actions import record_webhook_deliveries
from config.celery import INFRASTRUCTURE_ERRORS
from notifications import digests
from notifications.emails import deliver_email, release_expired_claims
from notifications.fanout import fan_out
from notifications.models import Delivery, Event, Notification

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
EMAIL_CHUNK = 200
# A pending email that was tried and put back gets this long past
# NOTIFICATIONS_SWEEP_AFTER_SECONDS before the sweep re-queues it: its own
# task, retrying with backoff, normally gets there first, and during a mail
# server outage the sweep must not queue everything owed every minute.
PENDING_GRACE = timedelta(minutes=10)
# Mail server errors join the database and broker errors every task retries
# (config.celery.HearthTask). SMTPException and ConnectionError are OSErrors.
EMAIL_RETRY_FOR: tuple[type[Exception], ...] = (
    *INFRASTRUCTURE_ERRORS,
    SMTPException,
    OSError,
)


# Retries on database and broker errors come from HearthTask (config.celery).
@shared_task(name="notifications.dispatch_event")
def dispatch_event(event_id: int) -> None:
    """Fan out the batch of one outbox event (every event its transaction
    wrote), then mark the batch dispatched.

    Idempotent: a batch already dispatched is skipped; the row lock on the
    batch's first undispatched event keeps two workers (a retry racing the
    sweep, which enqueues every member of the batch) from handling the same
    batch at once; and the whole fan-out is one transaction, so a worker
    killed half-way leaves nothing behind. Emails are queued only after the
    fan-out commits.
    """
    with transaction.atomic():
        batch = (
            Event.objects.filter(pk=event_id).values_list("batch", flat=True).first()
        )
        members = (
            Event.objects.filter(batch=batch)
            if batch
            else Event.objects.filter(pk=event_id)
        )
        # Every worker locks the batch's first undispatched event before any
        # other, so two never wait on each other's rows.
        leader = (
            members.filter(dispatched_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if leader is None:
            return  # dispatched already
        locked = list(
            Event.objects.select_for_update(skip_locked=True)
            .filter(pk=leader, dispatched_at__isnull=True)
            .values_list("pk", flat=True)
        )
        if not locked:
            return  # another worker holds the batch, or just finished it
        pending = list(
            members.select_for_update(of=("self",))
            .filter(dispatched_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        events = list(
            members.select_related("actor", "topic__category__parent", "post").order_by(
                "pk"
            )
        )
        email_ids = fan_out(events, pending)
        # Outgoing webhooks (issue 24): a consumer of the same batch, in the
        # same transaction, so an event is sent out once it is dispatched.
        waiting = set(pending)
        record_webhook_deliveries([e for e in events if e.pk in waiting])
        Event.objects.filter(pk__in=pending).update(
            attempts=F("attempts") + 1, dispatched_at=timezone.now()
        )
        delay = settings.NOTIFICATIONS_EMAIL_DELAY_SECONDS
        for start in range(0, len(email_ids), EMAIL_CHUNK):
            chunk = email_ids[start : start + EMAIL_CHUNK]
            transaction.on_commit(partial(_enqueue_emails, chunk, delay), robust=True)


def _enqueue_emails(delivery_ids: list[int], delay: int) -> None:
    # A short delay lets a member who is reading along see the notification
    # in the app first; sending then skips what was read. One task per chunk
    # keeps a 10,000-watcher fan-out to a few dozen broker messages.
    send_notification_emails.apply_async(args=(delivery_ids,), countdown=delay)


@shared_task(
    name="notifications.send_notification_emails",
    autoretry_for=EMAIL_RETRY_FOR,
    max_retries=6,
)
def send_notification_emails(delivery_ids: list[int]) -> None:
    """Send a chunk of notification emails. A retry resends only those not
    yet sent: each delivery is claimed before it is sent.

    A database, broker or mail-server error stops the chunk and retries it
    with backoff (the rest would meet the same outage); any other error is
    about one delivery, so it is logged and the chunk goes on.
    """
    # The task id stays the same across retries: a retry takes back the
    # claims it left behind when the database went away under it.
    claimant = send_notification_emails.request.id
    for delivery_id in delivery_ids:
        try:
            deliver_email(delivery_id, claimant)
        except EMAIL_RETRY_FOR:
            raise
        except Exception:
            logger.exception("Email delivery %s failed.", delivery_id)


@shared_task(
    name="notifications.send_notification_email",
    autoretry_for=EMAIL_RETRY_FOR,
    max_retries=6,
)
def send_notification_email(delivery_id: int) -> None:
    """Send one notification email, at most once per (event, recipient)."""
    deliver_email(delivery_id, send_notification_email.request.id)


# Beat runs the sweep every minute anyway: a couple of retries are enough.
@shared_task(name="notifications.sweep_undispatched_events", max_retries=2)
def sweep_undispatched_events() -> int:
    """Re-enqueue events never dispatched (broker down at commit, worker
    killed) and emails left behind. Returns how many were queued.

    Emails: a claim whose lease ended (its worker died or lost the database
    before sending) goes back to pending and is queued now; a send whose
    lease ended is marked failed, "may have been sent", and never retried;
    a pending email never tried is queued again once it was due (its
    NOTIFICATIONS_EMAIL_DELAY_SECONDS) NOTIFICATIONS_SWEEP_AFTER_SECONDS ago,
    one tried and put back once it waited PENDING_GRACE more.
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.NOTIFICATIONS_SWEEP_AFTER_SECONDS)
    event_ids = list(
        Event.objects.filter(dispatched_at__isnull=True, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for event_id in event_ids:
        dispatch_event.delay(event_id)
    released = release_expired_claims(now, SWEEP_BATCH)
    due = cutoff - timedelta(seconds=settings.NOTIFICATIONS_EMAIL_DELAY_SECONDS)
    stuck = (
        released
        + list(
            Delivery.objects.filter(
                # Never tried though due a while ago: its task was lost (a
                # worker killed before it reached this row, the broker down).
                Q(attempts=0, updated_at__lte=due)
                # Tried and put back: its task is retrying with backoff.
                | Q(updated_at__lte=cutoff - PENDING_GRACE),
                channel=Delivery.Channel.EMAIL,
                status=Delivery.Status.PENDING,
            )
            .exclude(pk__in=released)
            .values_list("pk", flat=True)[: SWEEP_BATCH - len(released)]
        )
    )
    for start in range(0, len(stuck), EMAIL_CHUNK):
        send_notification_emails.delay(stuck[start : start + EMAIL_CHUNK])
    return len(event_ids) + len(stuck)


@shared_task(
    name="notifications.send_digests",
    autoretry_for=EMAIL_RETRY_FOR,
    retry_backoff=60,
    retry_backoff_max=1800,
    max_retries=6,
)
def send_digests(frequency: str) -> int:
    """Email the "daily" or "weekly" digest to every member due one; return how many.

    Run by beat (CELERY_BEAT_SCHEDULE). Safe to re-run: a member who got
    this period's digest is skipped, so a retry after the mail server went
    away (autoretry) sends only what is still owed. The rules are in
    notifications.digests.
    """
    return digests.send_digests(frequency).sent


PRUNE_BATCH = 1000
_FINISHED = (Delivery.Status.SENT, Delivery.Status.SKIPPED, Delivery.Status.FAILED)


@shared_task(name="notifications.prune_old_events")
def prune_old_events(batch_size: int = PRUNE_BATCH) -> int:
    """Delete dispatched events and finished deliveries older than
    NOTIFICATIONS_RETENTION_DAYS, *batch_size* rows per statement; return
    how many rows went.

    Run daily by beat. The notifications themselves stay (their event link
    becomes empty); an event with a delivery still pending or sending stays
    until that delivery finishes, so nothing owed is lost. Short
    transactions, one per batch, keep locks brief on a busy outbox.
    """
    cutoff = timezone.now() - timedelta(days=settings.NOTIFICATIONS_RETENTION_DAYS)
    removed = 0
    while True:
        ids = list(
            Delivery.objects.filter(status__in=_FINISHED, updated_at__lt=cutoff)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            break
        removed += Delivery.objects.filter(pk__in=ids).delete()[0]
    while True:
        ids = list(
            Event.objects.filter(dispatched_at__isnull=False, created_at__lt=cutoff)
            .exclude(
                pk__in=Delivery.objects.exclude(status__in=_FINISHED).values("event_id")
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            break
        with transaction.atomic():
            # Notifications keep their text and link; only the event goes.
            Notification.objects.filter(event_id__in=ids).update(event=None)
            removed += Event.objects.filter(pk__in=ids).delete()[0]
    return removed
