"""Background work for recognition (discovered by config.celery)."""

from celery import shared_task

from recognition import actions


@shared_task(name="recognition.recompute_topic_awards")
def recompute_topic_awards(topic_id: int) -> tuple[int, int]:
    """Recompute the awards of everyone who posted in a topic whose facts
    changed (sent by recognition.enqueue after the action commits).
    Idempotent; inherits retry with backoff from HearthTask."""
    return actions.recompute_topic_awards(topic_id)


@shared_task(name="recognition.recompute_all_awards")
def recompute_all_awards() -> tuple[int, int]:
    """Nightly (CELERY_BEAT_SCHEDULE): every member's awards from the facts,
    catching anything a missed task or an automatic hide left behind."""
    return actions.recompute_awards(None)
