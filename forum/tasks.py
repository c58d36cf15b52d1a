"""Background work for the forum (discovered by config.celery)."""

from celery import shared_task

from forum import actions


@shared_task(name="forum.route_unanswered_questions")
def route_unanswered_questions() -> int:
    """Peers first: ask the brand about questions nobody in the community
    answered within their category's window. Scheduled by beat every ten
    minutes; idempotent (each topic is routed once); inherits retry with
    backoff from HearthTask. Returns how many topics were routed."""
    return actions.route_unanswered_questions()
