"""Ask for awards to be recomputed once the caller's transaction commits.

Imported by the actions that change the facts awards rest on (likes,
acceptances, deletions, moderation); the task is sent by name, so this
module sits below every actions module.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)

RECOMPUTE_TOPIC_TASK = "recognition.recompute_topic_awards"


def recompute_topic_awards_on_commit(topic_id: int) -> None:
    """After commit, recompute the awards of everyone who posted in the topic."""

    def send() -> None:
        try:
            current_app.signature(RECOMPUTE_TOPIC_TASK, args=[topic_id]).delay()
        except Exception:  # the broker is down; the nightly recompute catches up
            logger.warning("Could not enqueue award recompute for topic %s.", topic_id)

    transaction.on_commit(send)
