from celery import shared_task

from uploads import actions


# Database errors are retried with backoff by HearthTask (config/celery.py).
@shared_task(name="uploads.remove_orphan_uploads")
def remove_orphan_uploads() -> int:
    """Hourly: uploads that no post shows, once they are old enough."""
    return actions.remove_orphan_uploads()
