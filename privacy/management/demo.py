"""Demo data for "Your data" (issue 24), called by seed_demo: the demo
member asked for their archive an hour ago, and it is ready, so their
settings show the link. Built through the same actions and archive code a
member's request uses."""

from __future__ import annotations

from datetime import datetime, timedelta

from accounts.models import User
from privacy import actions
from privacy.models import DataExport

MEMBER = "member"


def seed(now: datetime) -> str:
    member = User.objects.filter(username=MEMBER).first()
    if member is None:
        return "Your data: no demo member."
    export = actions.request_data_export(member, now=now - timedelta(hours=1))
    actions.build_data_export(export.pk, now=now - timedelta(minutes=50))
    export.refresh_from_db()
    ready = export.status == DataExport.Status.READY
    return f"Your data: the demo member's archive ({'ready' if ready else 'pending'})."
