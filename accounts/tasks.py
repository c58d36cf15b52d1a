"""Background work for accounts (discovered by config.celery)."""

from celery import shared_task

from accounts import trust


@shared_task(name="accounts.recompute_trust_levels")
def recompute_trust_levels() -> int:
    """Recompute every member's trust level from their activity.

    Scheduled daily by Celery beat (CELERY_BEAT_SCHEDULE). Idempotent: it
    reads the current activity each time and writes only levels that
    differ, so a retried or doubled run changes nothing more. Returns how
    many members changed level.
    """
    return trust.recompute_trust_levels()
