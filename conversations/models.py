"""Private conversations between members (issue 23).

Only the participants ever read a conversation: no page, admin screen or
queue shows a message to anyone else, except the one message a participant
reports, which the admins' report queue shows alone. Message bodies are
rendered once, at write time, by forum/markup.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.safestring import SafeString

from forum.markup import stored_html


class Conversation(models.Model):
    subject = models.CharField(max_length=150)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # A moderator writing to a member about a moderation action: the
    # conversation links the action's public log entry.
    moderation_action = models.ForeignKey(
        "moderation.ModerationAction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(db_index=True)
    last_message_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"Conversation #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("conversations:conversation", args=[self.pk])

    @cached_property
    def participant_ids(self) -> frozenset[int]:
        """Who is in the conversation now (those who left are not)."""
        return frozenset(
            Participant.objects.filter(
                conversation_id=self.pk, left_at__isnull=True
            ).values_list("user_id", flat=True)
        )


class Participant(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    joined_at = models.DateTimeField()
    last_read_at = models.DateTimeField(null=True, blank=True)
    # Muted: no notifications (the conversation stays in the inbox).
    muted = models.BooleanField(default=False)
    # Left: out of the conversation; its messages are no longer readable.
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"], name="one_participant_row"
            )
        ]
        indexes = [models.Index(fields=["user", "left_at"], name="participant_user")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.conversation_id}"


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # A snapshot, as on posts: "Brevetto · peer resource" stays true.
    author_name = models.CharField(max_length=150)
    author_label = models.CharField(max_length=100, blank=True)
    body_source = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField(db_index=True)
    # Deleted by its author: the others see "message deleted".
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Message #{self.pk}"

    @property
    def body(self) -> SafeString:
        """The HTML forum/markup.py sanitized when the message was written."""
        return stored_html(self.body_html)


class Ignore(models.Model):
    """*user* ignores *ignored*: their messages and mentions stop reaching *user*."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    ignored = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "ignored"], name="one_ignore_row")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ignores {self.ignored_id}"


class MessageReport(models.Model):
    """A participant reported one message: admins see that message, and only it."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=500)
    # The reported words as they were when reported (the author may delete
    # the message afterwards; the report keeps what was reported).
    body_html = models.TextField()
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "reporter"], name="one_report_per_reporter"
            )
        ]

    def __str__(self) -> str:
        return f"Report #{self.pk} of message {self.message_id}"

    @property
    def body(self) -> SafeString:
        """The reported message's sanitized HTML, as it was when reported."""
        return stored_html(self.body_html)
