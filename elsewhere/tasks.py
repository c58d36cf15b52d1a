"""Background work of the elsewhere app (discovered by config.celery).

Every task inherits retries with backoff on database and broker errors from
HearthTask; a feed that fails is not an error here, it is recorded on its
source (elsewhere.actions.fetch_source) and tried again later.
"""

from celery import shared_task

from elsewhere import actions


@shared_task(name="elsewhere.fetch_due_sources")
def fetch_due_sources() -> int:
    """Enqueue a fetch for each listed source due by its own interval (beat,
    every five minutes). Returns how many were enqueued."""
    return len(actions.enqueue_due_sources())


@shared_task(name="elsewhere.fetch_source")
def fetch_source(source_id: int) -> str:
    """Fetch one source's feed; idempotent (known items are skipped)."""
    return actions.fetch_source(source_id)


@shared_task(name="elsewhere.expire_items")
def expire_items() -> int:
    """Delete items older than ELSEWHERE_ITEM_MAX_AGE_DAYS (beat, hourly)."""
    return actions.expire_items()


@shared_task(name="elsewhere.email_withdrawal_link")
def email_withdrawal_link(source_id: int) -> bool:
    """Send a listed source's contact address its withdrawal link."""
    return actions.email_withdrawal_link(source_id)
