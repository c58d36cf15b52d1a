"""Starting an export job, and the task's work of building its archive."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from functools import partial
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from exports.models import ExportJob, ExportStatus
from exports.writer import write_export
from permissions import policy
from permissions.policy import Perm

ARCHIVE_FOLDER = "hearth-export"
RUN_TASK = "exports.run_export"


def start_export(actor: User) -> ExportJob:
    """Queue a full export of the public community; a worker builds it."""
    policy.require(actor, Perm.EXPORT_COMMUNITY, None)
    with transaction.atomic():
        job = ExportJob.objects.create(
            requested_by=actor,
            requested_by_name=actor.username,
            created_at=timezone.now(),
        )
        transaction.on_commit(partial(enqueue_export, job.pk))
    return job


def enqueue_export(job_id: int) -> None:
    """Queue the export task (after commit). Found by name (tasks import
    actions) in the registry, so without a broker (``make run``) it runs in
    the process, as every task does there."""
    current_app.tasks[RUN_TASK].delay(job_id)


def archive_path(job: ExportJob) -> Path:
    return Path(settings.EXPORTS_ROOT) / job.archive_name


def build_export(job_id: int) -> ExportJob | None:
    """Write the export of job *job_id* and zip it into EXPORTS_ROOT.

    Run by exports.tasks.run_export. Idempotent: a finished or failed job is
    left alone, and a job some other worker claimed is not built twice.
    Progress (rows written / total) is saved every thousand rows.
    """
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return ExportJob.objects.filter(pk=job_id).first()
    job = ExportJob.objects.get(pk=job_id)

    def progress(rows: int, total: int) -> None:
        ExportJob.objects.filter(pk=job_id).update(
            rows_written=rows, rows_total=max(total, rows)
        )

    root = Path(settings.EXPORTS_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"export-{job_id}-", dir=root))
    name = f"hearth-export-{job_id}-{job.created_at:%Y%m%d-%H%M%S}.zip"
    try:
        result = write_export(work / ARCHIVE_FOLDER, progress=progress)
        partial = root / (name + ".part")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted((work / ARCHIVE_FOLDER).iterdir()):
                archive.write(path, f"{ARCHIVE_FOLDER}/{path.name}")
        partial.replace(root / name)
    except Exception as exc:
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}",
            finished_at=timezone.now(),
        )
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ExportJob.objects.filter(pk=job_id).update(
        status=ExportStatus.DONE,
        rows_written=result.rows,
        rows_total=result.rows,
        archive_name=name,
        archive_size=(root / name).stat().st_size,
        finished_at=timezone.now(),
    )
    return ExportJob.objects.get(pk=job_id)
