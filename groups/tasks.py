"""Background work for community groups (discovered by config.celery)."""

from celery import shared_task

from groups import actions


@shared_task(name="groups.expire_memberships")
def expire_memberships() -> list[int]:
    """End memberships past their own or their group's end, and warn members
    a week ahead. Hourly from Celery beat; inherits retry with backoff from
    HearthTask. Idempotent: an ended membership is gone, a warning is sent
    once (GroupMembership.expiry_notice_sent_at). Returns [ended, warned]."""
    ended, warned = actions.expire_memberships()
    return [ended, warned]
