"""What the groups app owns beside accounts.CommunityGroup and GroupMembership:
applications (with the terms accepted), representatives' recommendations,
group mentions (the rate limit's record) and expert routes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a manager")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class GroupApplication(models.Model):
    """A member's application to a group: their answers to the group's
    questions and, when the group has terms, the version they accepted and
    when. Kept after the decision, with who decided, when and why."""

    group = models.ForeignKey(
        "accounts.CommunityGroup", on_delete=models.CASCADE, related_name="applications"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="group_applications",
    )
    # [{"question": ..., "answer": ...}], the questions as they were asked.
    answers = models.JSONField(default=list, blank=True)
    terms_version = models.PositiveIntegerField(null=True, blank=True)
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.PENDING,
        db_index=True,
    )
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "applicant"],
                condition=Q(status="pending"),
                name="one_pending_application",
            )
        ]

    def __str__(self) -> str:
        return f"{self.applicant_id} -> {self.group_id} ({self.status})"


class GroupRecommendation(models.Model):
    """A brand representative vouches for an applicant; managers see it and
    still decide. Representatives never decide."""

    application = models.ForeignKey(
        GroupApplication, on_delete=models.CASCADE, related_name="recommendations"
    )
    representative = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # Snapshots, like a post's labels: "Ana (Brevetto)" stays true.
    representative_name = models.CharField(max_length=150)
    brand_name = models.CharField(max_length=80)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "representative"],
                name="one_recommendation_per_rep",
            )
        ]

    def __str__(self) -> str:
        return f"{self.representative_name} recommends {self.application_id}"


class GroupMention(models.Model):
    """One @group mention in a post: who mentioned which group when (the
    per-author rate limit counts these)."""

    group = models.ForeignKey(
        "accounts.CommunityGroup", on_delete=models.CASCADE, related_name="mentions"
    )
    post = models.ForeignKey(
        "forum.Post", on_delete=models.CASCADE, related_name="group_mentions"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["author", "created_at"], name="groupmention_author")
        ]

    def __str__(self) -> str:
        return f"@{self.group_id} in {self.post_id}"


class ExpertRoute(models.Model):
    """A category, a tag, or both name an expert group: its members hear of a
    new question there as soon as it is asked."""

    group = models.ForeignKey(
        "accounts.CommunityGroup",
        on_delete=models.CASCADE,
        related_name="expert_routes",
    )
    category = models.ForeignKey(
        "forum.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="expert_routes",
        help_text=_("Questions in this category (and its subcategories)."),
    )
    tag = models.ForeignKey(
        "forum.Tag",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="expert_routes",
        help_text=_("Questions with this tag (within the category, if one is set)."),
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(category__isnull=False) | Q(tag__isnull=False),
                name="expert_route_has_scope",
            )
        ]

    def __str__(self) -> str:
        return f"{self.group_id}: {self.category_id}/{self.tag_id}"
