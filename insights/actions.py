"""The only state insights writes: the weekly listening-report events.

The report itself is read-only (insights.queries). The email goes through
the notification pipeline like every other: one insights.weekly event per
brand and ISO week, planned to the brand's active representatives
(notifications.fanout), each of whom may turn it off in their settings.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from insights.queries import brands_with_representatives
from notifications.events import EventKind, emit
from notifications.events import InsightsWeekly as InsightsWeeklyPayload
from notifications.models import Event


def iso_week(now: datetime) -> str:
    year, week, _day = timezone.localtime(now).isocalendar()
    return f"{year}-W{week:02d}"


def send_weekly_reports(now: datetime | None = None) -> list[int]:
    """Emit this week's insights.weekly event for each brand with active
    representatives; return the ids of the brands newly sent to.

    A system action run by beat (insights.send_weekly_reports), acting for
    nobody: it changes no one's content and tells only each brand's own
    representatives. Idempotent: a brand already sent this ISO week's report
    is skipped, so a retried or repeated task sends nothing twice.
    """
    week = iso_week(now or timezone.now())
    sent: list[int] = []
    for brand in brands_with_representatives():
        with transaction.atomic():
            already = Event.objects.select_for_update().filter(
                kind=EventKind.INSIGHTS_WEEKLY,
                payload__brand_id=brand.pk,
                payload__week=week,
            )
            if already.exists():
                continue
            emit(
                EventKind.INSIGHTS_WEEKLY,
                InsightsWeeklyPayload(brand_id=brand.pk, week=week),
            )
            sent.append(brand.pk)
    return sent
