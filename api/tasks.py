"""Background work for outgoing webhooks (discovered by config.celery)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from api import actions
from config.celery import INFRASTRUCTURE_ERRORS


@shared_task(
    bind=True,
    name="api.deliver_webhook",
    autoretry_for=(*INFRASTRUCTURE_ERRORS, actions.DeliveryFailed),
    max_retries=20,
)
def deliver_webhook(self: Any, delivery_id: int) -> str:
    """Send one webhook delivery, retried with HearthTask's jittered
    exponential backoff after a 5xx, a timeout or a refused connection (as
    support.deliver_escalation is). Idempotent: a delivery no longer pending
    is left alone, and every attempt carries its idempotency key. Without a
    worker (tasks run in the web process) a failed attempt stays pending for
    the sweep instead of holding the request through every backoff."""
    try:
        return actions.deliver_webhook(delivery_id)
    except actions.DeliveryFailed:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            return "pending"
        raise


@shared_task(name="api.sweep_webhook_deliveries")
def sweep_webhook_deliveries() -> int:
    """Queue again the pending deliveries whose task was lost; beat runs it
    every ten minutes."""
    delivery_ids = actions.stale_deliveries(timezone.now())
    for delivery_id in delivery_ids:
        actions.enqueue_delivery(delivery_id)
    return len(delivery_ids)
