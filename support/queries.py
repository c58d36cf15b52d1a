"""Reads for escalations and their support tickets."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Prefetch, Q

from forum.models import Escalation, Topic
from support.models import Delivery, DeliveryStatus, StatusUpdate, TicketStatus

# A pending delivery no task has tried for this long is queued again.
STALE_AFTER = timedelta(minutes=10)


def topic_escalations(topic: Topic) -> list[Escalation]:
    """The escalations of *topic*, each with its ticket (or None for one made
    before tickets existed) and ``status_notes``: the desk's accepted status
    updates, oldest first; and ``status_label`` ("resolved"). Two queries
    when there are escalations, one when there are none."""
    escalations = list(
        Escalation.objects.filter(topic=topic)
        .select_related("brand", "ticket")
        .prefetch_related(
            Prefetch(
                "ticket__updates",
                queryset=StatusUpdate.objects.select_related("desk__brand"),
            )
        )
    )
    for escalation in escalations:
        ticket = getattr(escalation, "ticket", None)
        notes = list(ticket.updates.all()) if ticket is not None else []
        escalation.status_notes = notes  # type: ignore[attr-defined]
        escalation.status_label = (  # type: ignore[attr-defined]
            ticket.get_status_display()
            if ticket is not None
            else TicketStatus.AWAITING.label
        )
    return escalations


def stale_deliveries(now: datetime) -> list[int]:
    """Pending deliveries whose task seems lost (never tried, or last tried
    over STALE_AFTER ago): the sweep queues them again."""
    cutoff = now - STALE_AFTER
    return list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING)
        .filter(
            Q(last_attempt_at__lt=cutoff)
            | Q(last_attempt_at__isnull=True, created_at__lt=cutoff)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
