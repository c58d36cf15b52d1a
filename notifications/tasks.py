from datetime import timedelta

from celery import shared_task
from django.db import OperationalError, transaction
from django.utils import timezone

from notifications.models import Event

SWEEP_AFTER = timedelta(minutes=2)
SWEEP_BATCH = 500


@shared_task(
    name="notifications.dispatch_event",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def dispatch_event(event_id: int) -> None:
    """Deliver one outbox event to its consumers, then mark it dispatched.

    Idempotent: an event already dispatched is skipped, and the row lock
    keeps two workers from handling the same event at once.
    """
    with transaction.atomic():
        event = (
            Event.objects.select_for_update(skip_locked=True)
            .filter(pk=event_id, dispatched_at__isnull=True)
            .first()
        )
        if event is None:
            return
        event.attempts += 1
        event.dispatched_at = timezone.now()
        event.save(update_fields=["attempts", "dispatched_at"])


@shared_task(name="notifications.sweep_undispatched_events")
def sweep_undispatched_events() -> int:
    """Re-enqueue events that were never dispatched (broker down at commit,
    worker killed). Returns how many were re-enqueued."""
    cutoff = timezone.now() - SWEEP_AFTER
    event_ids = list(
        Event.objects.filter(dispatched_at__isnull=True, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for event_id in event_ids:
        dispatch_event.delay(event_id)
    return len(event_ids)
