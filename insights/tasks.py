from celery import shared_task

from insights import actions


# Retries on database and broker errors come from HearthTask (config.celery).
@shared_task(name="insights.send_weekly_reports")
def send_weekly_reports() -> int:
    """Run weekly by beat: one listening-report notification per brand and
    ISO week (idempotent); return how many brands were sent theirs."""
    return len(actions.send_weekly_reports())
