from django.conf import settings
from django.db import models


class Event(models.Model):
    """The transactional outbox: one row per thing that happened, written in
    the same transaction as the change, dispatched to workers on commit.

    A periodic sweep re-dispatches rows whose dispatched_at is still empty,
    so a broker outage delays delivery but loses nothing.
    """

    kind = models.CharField(max_length=40, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    topic = models.ForeignKey(
        "forum.Topic", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    post = models.ForeignKey(
        "forum.Post", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(dispatched_at__isnull=True),
                name="event_undispatched",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
