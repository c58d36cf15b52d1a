"""Escalations reaching a real support desk (issue 18).

forum.Escalation is the public fact ("escalated to Brevetto support") and the
member's private reference. This app adds what happens next: each brand's
support desk (SupportDesk), the ticket an escalation opened there (Ticket),
every attempt to hand it over (Delivery, DeliveryAttempt) and the status
updates the desk sent back (StatusUpdate), which the thread shows publicly.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Backend(models.TextChoices):
    """How escalations reach the desk (settings.ESCALATION_BACKEND)."""

    NONE = "none", _("Recorded only")
    EMAIL = "email", _("Email to the support address")
    WEBHOOK = "webhook", _("Signed webhook")


class SupportDesk(models.Model):
    """One brand's support desk: where escalations go and the secret its
    webhooks and callbacks are signed with. Edited in the admin."""

    brand = models.OneToOneField(
        "accounts.Brand", on_delete=models.CASCADE, related_name="support_desk"
    )
    name = models.CharField(
        max_length=80,
        blank=True,
        help_text=_(
            'Shown in threads ("Brevetto support: resolved"). Empty: "<brand> support".'
        ),
    )
    email = models.EmailField(
        blank=True, help_text=_("Where the email backend sends escalations.")
    )
    webhook_url = models.URLField(
        max_length=500,
        blank=True,
        help_text=_(
            "Where the webhook backend POSTs escalations (https in production)."
        ),
    )
    webhook_secret = models.CharField(
        max_length=200,
        blank=True,
        help_text=_(
            "Shared HMAC-SHA256 secret: signs outgoing webhooks and verifies the "
            "desk's status callbacks. Empty: callbacks are refused."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("support desk")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or f"{self.brand.name} support"


class TicketStatus(models.TextChoices):
    AWAITING = "awaiting", _("awaiting support")
    OPEN = "open", _("open")
    WAITING_ON_CUSTOMER = "waiting_on_customer", _("waiting on customer")
    RESOLVED = "resolved", _("resolved")


# What a desk may send back (the first status is Hearth's own).
DESK_STATUSES = (
    TicketStatus.OPEN,
    TicketStatus.WAITING_ON_CUSTOMER,
    TicketStatus.RESOLVED,
)


class Ticket(models.Model):
    """What one escalation opened at the desk. One per escalation; its
    idempotency key goes with every delivery attempt, so a retried task
    never opens a second ticket at the desk."""

    escalation = models.OneToOneField(
        "forum.Escalation", on_delete=models.CASCADE, related_name="ticket"
    )
    backend = models.CharField(max_length=10, choices=Backend.choices)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        max_length=24, choices=TicketStatus.choices, default=TicketStatus.AWAITING
    )
    # The desk's own ticket id, when its answer to the webhook gave one.
    desk_ticket_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    status_changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.escalation.reference} ({self.get_status_display()})"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed (gave up)")


class Delivery(models.Model):
    """Handing one ticket to the desk by email or webhook: the record an
    administrator reads when a desk says it never got an escalation."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, related_name="delivery"
    )
    channel = models.CharField(max_length=10, choices=Backend.choices)
    target = models.CharField(
        max_length=500, blank=True, help_text=_("The address or URL it went to.")
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = _("deliveries")
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="pending"),
                name="support_pending_deliveries",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket} by {self.channel}: {self.status}"


class DeliveryAttempt(models.Model):
    """One try: when, the HTTP status (none for email or a network error),
    and the error if it failed."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="unique_delivery_attempt"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.status_code or self.error}"


class StatusUpdate(models.Model):
    """A status the desk sent back, accepted. Public in the thread as
    "<Desk>: <status>" (no reference, nothing else the desk said). The
    (desk, event id) pair is unique: a replayed callback is refused."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="updates")
    desk = models.ForeignKey(SupportDesk, on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=100)
    status = models.CharField(max_length=24, choices=TicketStatus.choices)
    # The desk's signed timestamp, and when Hearth accepted it.
    sent_at = models.DateTimeField()
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["received_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["desk", "event_id"], name="unique_desk_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.desk}: {self.get_status_display()}"
