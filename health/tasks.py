"""Background work for community health (discovered by config.celery)."""

from celery import shared_task

from health import compute


@shared_task(name="health.compute_health")
def compute_health() -> int:
    """Recompute every month's health figures (CELERY_BEAT_SCHEDULE, nightly).

    Idempotent: the rows are replaced in one transaction, so a retried or
    doubled run stores the same rows. Returns the number of rows written.
    """
    return compute.compute()
