from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.forms import Form

    from forum.models import Topic


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

    def save(self, *args: Any, **kwargs: Any) -> None:
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


class ActionKind(models.TextChoices):
    POST_HIDDEN = "post_hidden", _("Hid a post")
    POST_UNHIDDEN = "post_unhidden", _("Unhid a post")
    POST_REMOVED = "post_removed", _("Removed a post (spam or illegal content)")
    POST_REDACTED = "post_redacted", _("Redacted personal data")
    TOPIC_LOCKED = "topic_locked", _("Locked the topic")
    TOPIC_UNLOCKED = "topic_unlocked", _("Unlocked the topic")
    TOPIC_CLOSED = "topic_closed", _("Closed the topic")
    TOPIC_REOPENED = "topic_reopened", _("Reopened the topic")
    TOPIC_PINNED = "topic_pinned", _("Pinned the topic")
    TOPIC_UNPINNED = "topic_unpinned", _("Unpinned the topic")
    TOPIC_MOVED = "topic_moved", _("Moved the topic")
    TOPIC_MERGED = "topic_merged", _("Merged the topic into another")
    TOPIC_SPLIT = "topic_split", _("Split posts into a new topic")
    TOPIC_RETITLED = "topic_retitled", _("Retitled the topic")
    SLOW_MODE_SET = "slow_mode_set", _("Set slow mode")
    SLOW_MODE_CLEARED = "slow_mode_cleared", _("Turned slow mode off")
    USER_WARNED = "user_warned", _("Warned a member")
    USER_SILENCED = "user_silenced", _("Silenced a member")
    USER_SUSPENDED = "user_suspended", _("Suspended a member")
    FLAGS_CLEARED = "flags_cleared", _("Cleared flags (no action needed)")


class ModerationAction(models.Model):
    """One public moderation action: the in-thread tombstone and the entry in
    the public moderation log. The public sees the actor's role and stable
    alias; staff also see the name."""

    kind = models.CharField(max_length=24, choices=ActionKind.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=16)  # "moderator" or "admin"
    actor_alias = models.CharField(max_length=40, db_index=True)
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, null=True, blank=True)
    # Snapshot: "3. Be kind" or "Other"; stays true if the rule is edited.
    rule_text = models.CharField(max_length=200)
    reason = models.TextField()
    category = models.ForeignKey(
        "forum.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    topic = models.ForeignKey(
        "forum.Topic",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_actions",
    )
    post = models.ForeignKey(
        "forum.Post",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_actions",
    )
    # The member affected (the author of the post, the sanctioned member).
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_actions_received",
    )
    target_name = models.CharField(max_length=150, blank=True)
    details = models.JSONField(default=dict, blank=True)
    followed_brand_flag = models.BooleanField(default=False)
    created_at = models.DateTimeField(db_index=True)
    reversed_at = models.DateTimeField(null=True, blank=True)

    # Set by moderation.queries.attach_targets for the public log; not columns.
    concerns_topic: bool
    target_topic: Topic | None
    the_appeal: Appeal | None

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["category", "-created_at"], name="modaction_category"),
            models.Index(fields=["topic", "created_at"], name="modaction_topic"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_alias}: {self.get_kind_display()}"


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    UPHELD = "upheld", _("Upheld: the action was reversed")
    DENIED = "denied", _("Denied: the action stands")


class Appeal(models.Model):
    """The affected member's one appeal against one action, decided by a
    different, unaffiliated moderator (or an admin)."""

    action = models.OneToOneField(
        ModerationAction, on_delete=models.CASCADE, related_name="appeal"
    )
    appellant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appeals"
    )
    statement = models.TextField()
    status = models.CharField(
        max_length=8, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_by_alias = models.CharField(max_length=40, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    # Set by the appeals queue view on each appeal it shows; not a column.
    form: Form | None

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Appeal of {self.action_id}: {self.status}"


class FlagKind(models.TextChoices):
    SPAM = "spam", _("Spam")
    OFF_TOPIC = "off_topic", _("Off-topic")
    INAPPROPRIATE = "inappropriate", _("Inappropriate")
    ILLEGAL = "illegal", _("Illegal content")
    OTHER = "other", _("Something else")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DEFERRED = "deferred", _("Deferred")
    AGREED = "agreed", _("Agreed: action taken")
    DISAGREED = "disagreed", _("Disagreed: no action")


class Flag(models.Model):
    """A member's report of a post. Weight grows with trust level; a brand
    representative's flag weighs nothing toward hiding."""

    post = models.ForeignKey(
        "forum.Post", on_delete=models.CASCADE, related_name="flags"
    )
    flagger = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags"
    )
    kind = models.CharField(max_length=16, choices=FlagKind.choices)
    message = models.TextField(blank=True)
    weight = models.PositiveSmallIntegerField()
    from_brand_rep = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10,
        choices=FlagStatus.choices,
        default=FlagStatus.OPEN,
        db_index=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    # When the post's author asked for another review while this flag was
    # pending (moderation.actions.flags.request_review): one request per hide.
    review_requested_at = models.DateTimeField(null=True, blank=True)
    outcome_action = models.ForeignKey(
        ModerationAction,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "flagger"],
                condition=models.Q(status__in=["open", "deferred"]),
                name="one_open_flag_per_member",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} flag on {self.post_id}"


class Redaction(models.Model):
    """The visible record left where personal data was removed from a post
    and from its whole history."""

    post = models.ForeignKey(
        "forum.Post", on_delete=models.CASCADE, related_name="redactions"
    )
    action = models.OneToOneField(
        ModerationAction, on_delete=models.CASCADE, related_name="redaction"
    )
    revisions_affected = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Redaction in {self.post_id}"
