"""Replies and new topics being written, kept on the server (drafts app)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Draft(models.Model):
    """What a member has written so far in one composer: a reply to ``topic``,
    or a new topic in ``category``. One per member and composer (``key``:
    ``reply:<topic id>`` or ``topic:<category id>``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts"
    )
    key = models.CharField(max_length=40)
    topic = models.ForeignKey(
        "forum.Topic", on_delete=models.CASCADE, null=True, blank=True
    )
    category = models.ForeignKey(
        "forum.Category", on_delete=models.CASCADE, null=True, blank=True
    )
    title = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], name="one_draft_per_composer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key}"
