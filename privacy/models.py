"""A member's own data (issue 24): the archives they asked for.

Account deletion keeps no row of its own: what it erased and why is in
docs/decisions.md, and the deactivated account (username "former-member-N")
is the record that it happened.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DataExport(models.Model):
    """One "download my data" archive: asked for, built by a task, fetched
    by its owner through a signed, expiring link (privacy.links)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.PENDING
    )
    requested_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # In storages["uploads"] (private: served only by privacy.views).
    storage_name = models.CharField(max_length=200, blank=True)
    bytes = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-requested_at"], name="dataexport_user")
        ]

    def __str__(self) -> str:
        return f"Data export {self.pk} of {self.user_id} ({self.status})"


class ErasedAccount(models.Model):
    """The record that a member deleted their account: no personal data,
    only when and what they chose for their posts. The deactivated User row
    stays (as "former-member-<id>") so that the posts that stay keep an
    author, and its profile page says the account was deleted."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="erased"
    )
    erased_at = models.DateTimeField()
    kept_posts = models.BooleanField()

    def __str__(self) -> str:
        return f"Erased account {self.user_id}"
