"""Background work for the ideas board (discovered by config.celery)."""

from celery import shared_task

from ideas import actions


@shared_task(name="ideas.notify_responses_due")
def notify_responses_due() -> int:
    """Tell the decision owners of each idea that became due a response.

    Scheduled hourly by Celery beat (CELERY_BEAT_SCHEDULE); inherits retry
    with backoff from HearthTask. Idempotent: each idea is announced once
    (Idea.due_notified_at, set in the same transaction as the event).
    Returns how many ideas were announced.
    """
    return actions.notify_responses_due()
