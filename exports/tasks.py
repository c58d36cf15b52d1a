"""Background work of export jobs (discovered by config.celery)."""

from __future__ import annotations

from celery import shared_task

from exports import actions


@shared_task(name="exports.run_export", acks_late=True)
def run_export(job_id: int) -> str:
    """Build the archive of one export job (exports.actions.build_export);
    returns its status. Safe to run twice: only a queued job is built."""
    job = actions.build_export(job_id)
    return job.status if job is not None else "missing"
