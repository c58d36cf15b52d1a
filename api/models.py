"""The read API's tokens and the administrators' outgoing webhooks (issue 24).

ApiToken: a member's personal token for /api/v1/. Only a SHA-256 hash of the
secret is kept (the member sees the secret once); the short prefix lets the
settings page and the admin tell tokens apart without it.

Webhook, WebhookDelivery, WebhookAttempt: where the administrators send
events (topic created, post created, escalation opened, idea decided), and
the record of every attempt, shaped like support's Delivery and
DeliveryAttempt and posted by the same signed-webhook client.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=60)
    scope = models.CharField(
        max_length=10, choices=TokenScope.choices, default=TokenScope.READ
    )
    # The first characters of the secret, shown beside the name ("hth_3kQ9…").
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        indexes = [models.Index(fields=["user", "-created_at"], name="apitoken_user")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class WebhookEvent(models.TextChoices):
    """What a webhook may subscribe to, named as they go out (X-Hearth-Event)."""

    TOPIC_CREATED = "topic.created", _("Topic created")
    POST_CREATED = "post.created", _("Post created")
    ESCALATION_OPENED = "escalation.opened", _("Escalation opened")
    IDEA_DECIDED = "idea.decided", _("Idea decided")


class Webhook(models.Model):
    """One receiver an administrator set up in the admin."""

    name = models.CharField(max_length=80)
    url = models.URLField(max_length=500, help_text=_("Where events are POSTed."))
    secret = models.CharField(
        max_length=200,
        help_text=_(
            "Shared HMAC-SHA256 secret: X-Hearth-Signature signs the timestamp "
            "and the body."
        ),
    )
    events = models.JSONField(
        default=list,
        help_text=_("The event kinds sent: topic.created, post.created, …"),
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed (gave up)")


class WebhookDelivery(models.Model):
    """One event for one webhook: its body is fixed when the event is
    dispatched, so every retry sends the same bytes (with a new timestamp)."""

    webhook = models.ForeignKey(
        Webhook, on_delete=models.CASCADE, related_name="deliveries"
    )
    # The outbox event it came from; unique with the webhook, so a
    # re-dispatched event is not sent twice.
    event_id = models.BigIntegerField()
    kind = models.CharField(max_length=24, choices=WebhookEvent.choices)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    body = models.TextField()
    status = models.CharField(
        max_length=10,
        choices=WebhookDeliveryStatus.choices,
        default=WebhookDeliveryStatus.PENDING,
    )
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "event_id"], name="unique_webhook_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.webhook}: {self.status}"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="unique_webhook_attempt"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.status_code or self.error}"
