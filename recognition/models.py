"""Awards for peer-validated help, and the brand's public confirmations of
members' answers.

Awards are computed from domain facts (recognition.actions.recompute_awards)
and deleted when their evidence goes; nobody writes them by hand. A
confirmation is a label under a member's answer: it never changes the
member's words or their credit, and its history (confirmed, withdrawn) is
public in ConfirmationEntry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AwardKind(models.TextChoices):
    ACCEPTED_ANSWER = "accepted_answer", _("Accepted answer")
    PEER_LIKED = "peer_liked", _("Found helpful by peers")
    FIRST_REPLY_SOLVED = "first_reply_solved", _("First to help")
    HELPFUL_MONTH = "helpful_month", _("Helpful month")


class Award(models.Model):
    """One award: for a post (answers, likes, first replies) or a month."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="awards"
    )
    kind = models.CharField(max_length=24, choices=AwardKind.choices)
    post = models.ForeignKey(
        "forum.Post", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The post's category, for "12 accepted answers in Espresso".
    category = models.ForeignKey(
        "forum.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # First day of the month, for HELPFUL_MONTH.
    month = models.DateField(null=True, blank=True)
    # When the help happened (the post's date, or the month's first day).
    earned_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-earned_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "post"],
                condition=models.Q(post__isnull=False),
                name="one_award_per_post",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "month"],
                condition=models.Q(month__isnull=False),
                name="one_award_per_month",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-earned_at"], name="award_user_recent"),
            models.Index(fields=["kind", "category", "user"], name="award_category"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.post_id or self.month}"


class Confirmation(models.Model):
    """The brand stands behind a member's answer: "Confirmed by <brand>".

    One row per post, current state; withdrawing keeps the row (the post then
    shows "confirmation withdrawn by …"). Names are snapshots.
    """

    post = models.OneToOneField(
        "forum.Post", on_delete=models.CASCADE, related_name="confirmation"
    )
    brand = models.ForeignKey(
        "accounts.Brand", on_delete=models.PROTECT, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    confirmed_by_name = models.CharField(max_length=150)
    note = models.CharField(max_length=300, blank=True)
    confirmed_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by_name = models.CharField(max_length=150, blank=True)
    withdraw_note = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.brand_id} confirmed {self.post_id}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class ConfirmationEntry(models.Model):
    """The public record: every confirmation and withdrawal, never edited."""

    class Kind(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WITHDRAWN = "withdrawn", _("Confirmation withdrawn")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    post = models.ForeignKey(
        "forum.Post", on_delete=models.CASCADE, related_name="confirmation_entries"
    )
    brand = models.ForeignKey(
        "accounts.Brand", on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "confirmation entries"

    def __str__(self) -> str:
        return f"{self.kind} {self.post_id} by {self.actor_name}"
