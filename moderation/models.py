from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class ModeratorAssignment(models.Model):
    """A volunteer moderates one category (and its subcategories).

    The row alone grants nothing: permissions.policy.moderates() denies
    brand representatives and banned accounts before looking at it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="moderator_assignments",
    )
    category = models.ForeignKey(
        "forum.Category", on_delete=models.CASCADE, related_name="moderator_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "category"], name="unique_moderator_assignment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} moderates {self.category}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        # Refused at the model layer too, so no path (admin, shell, import)
        # can make a brand representative a moderator.
        self.clean()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.user_id is not None and self.user.role == "brand_rep":
            raise ValidationError(
                _(
                    "%(name)s is a brand representative, and representatives never moderate."
                )
                % {"name": self.user}
            )


class AuditVerb(models.TextChoices):
    TRUST_LEVEL_SET = "user.trust_level_set", _("Trust level set")
    TRUST_LEVEL_UNLOCKED = "user.trust_level_unlocked", _("Trust level unlocked")
    MODERATOR_ASSIGNED = "moderator.assigned", _("Moderator assigned")
    MODERATOR_UNASSIGNED = "moderator.unassigned", _("Moderator unassigned")
    BRAND_REP_VERIFIED = "brand_rep.verified", _("Brand representative verified")
    BRAND_REP_REVOKED = "brand_rep.revoked", _("Brand representative revoked")


class AuditEntry(models.Model):
    """One row per administrative or moderation action, written in the same
    transaction as the change (moderation.audit.record)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150)
    verb = models.CharField(max_length=40, db_index=True)
    target_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+"
    )
    target_id = models.PositiveBigIntegerField()
    category = models.ForeignKey(
        "forum.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target")
        ]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.verb} {self.target_type_id}:{self.target_id}"


class Rule(models.Model):
    """A numbered community rule; every moderator action cites one."""

    number = models.PositiveSmallIntegerField(unique=True)
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class SanctionKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    SILENCE = "silence", _("Silenced (can read, cannot post)")
    SUSPENSION = "suspension", _("Suspended (cannot sign in or post)")


class Sanction(models.Model):
    """A warning, silence or suspension of a member, for a duration."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sanctions"
    )
    kind = models.CharField(max_length=12, choices=SanctionKind.choices)
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, null=True, blank=True)
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["user", "-starts_at"], name="sanction_user_recent")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.user}"
