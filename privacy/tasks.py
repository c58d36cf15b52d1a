from celery import shared_task

from privacy import actions


# Database errors are retried with backoff by HearthTask (config/celery.py).
@shared_task(name="privacy.build_data_export")
def build_data_export(export_id: int) -> int | None:
    """Build one member's archive and tell them it is ready (idempotent)."""
    export = actions.build_data_export(export_id)
    return export.pk if export is not None else None


@shared_task(name="privacy.build_pending_exports")
def build_pending_exports() -> int:
    """Hourly: archives whose task was lost, and expired archives' files."""
    return actions.build_pending_exports()
