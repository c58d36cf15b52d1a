"""Background work for escalations (discovered by config.celery)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from config.celery import INFRASTRUCTURE_ERRORS
from support import actions, queries


@shared_task(
    bind=True,
    name="support.deliver_escalation",
    autoretry_for=(*INFRASTRUCTURE_ERRORS, actions.DeliveryFailed),
    max_retries=20,
)
def deliver_escalation(self: Any, delivery_id: int) -> str:
    """Hand one escalation to its brand's support desk (email or signed
    webhook), retried with HearthTask's jittered exponential backoff when the
    desk answers 5xx, times out or cannot be reached. Idempotent: a delivered
    delivery is left alone, and every attempt carries the ticket's
    idempotency key, so the desk opens one ticket however often it is tried.
    actions.deliver_escalation marks it failed after
    SUPPORT_DELIVERY_MAX_ATTEMPTS; returns the delivery's status.

    Without a worker (no REDIS_URL: tasks run in the web process after
    commit) a failed attempt is not retried there, which would hold the
    request through every backoff: the delivery stays pending, and an
    administrator sends it again from the admin."""
    try:
        return actions.deliver_escalation(delivery_id)
    except actions.DeliveryFailed:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            return "pending"
        raise


@shared_task(name="support.sweep_deliveries")
def sweep_deliveries() -> int:
    """Queue again the deliveries whose task was lost (a broker outage, a
    worker killed, retries exhausted by outages). Scheduled by beat every ten
    minutes; returns how many were queued."""
    delivery_ids = queries.stale_deliveries(timezone.now())
    for delivery_id in delivery_ids:
        actions.enqueue_delivery(delivery_id)
    return len(delivery_ids)
