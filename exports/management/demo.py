"""Demo data for export jobs, called last by seed_demo: the admin's finished
export of the demo community, so the admin list shows one to download."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from accounts.models import User
from exports import actions
from exports.models import ExportJob


def seed(now: datetime) -> str:
    admin = User.objects.get(username="admin")
    with transaction.atomic():
        # Started through the same action as the admin's button; built here
        # rather than by a worker, so the demo has it finished.
        job = actions.start_export(admin)
        ExportJob.objects.filter(pk=job.pk).update(created_at=now)
    built = actions.build_export(job.pk)
    if built is None:  # pragma: no cover - just created
        return "export: none"
    return f"export: job {built.pk} {built.status}, {built.rows_written:,} rows"
