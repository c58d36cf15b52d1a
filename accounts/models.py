from __future__ import annotations

import hashlib
from functools import cached_property
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.avatars import initials as avatar_initials
from accounts.roles import Role, TrustLevel

AVATAR_COLOURS = [
    "#b4462f",
    "#2f6fb4",
    "#3c8a52",
    "#8a4fb0",
    "#b07a1e",
    "#1f8a8a",
    "#a8386e",
    "#5b6b2f",
]


def avatar_upload_to(user: User, filename: str) -> str:
    return f"avatars/{user.pk}/{filename}"


class User(AbstractUser):
    """A person with an account. Custom from the first migration.

    `role` is the standing role (member, brand representative, admin);
    volunteer moderation comes from per-category assignments, never from
    this field or from the trust level.
    """

    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    bio = models.TextField(_("bio"), max_length=1000, blank=True)
    avatar = models.ImageField(
        _("avatar"), upload_to=avatar_upload_to, blank=True, max_length=200
    )
    role = models.CharField(
        max_length=16, choices=Role.choices, default=Role.MEMBER, db_index=True
    )
    trust_level = models.PositiveSmallIntegerField(
        choices=TrustLevel.choices, default=TrustLevel.NEW
    )
    # Set when an administrator chose the trust level by hand; the daily
    # recomputation then leaves it alone.
    trust_level_locked = models.BooleanField(default=False)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # Denormalized from moderation.Sanction for cheap checks on every request;
    # maintained by moderation.actions.
    silenced_until = models.DateTimeField(null=True, blank=True)
    suspended_until = models.DateTimeField(null=True, blank=True)
    # The stable public pseudonym of a moderator or admin ("Moderator #7"),
    # handed out on their first moderation action.
    moderator_alias = models.PositiveIntegerField(null=True, blank=True, unique=True)
    brand = models.ForeignKey(
        "Brand",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="representatives",
        help_text=_("Set only for brand representatives."),
    )
    brand_since = models.DateTimeField(null=True, blank=True)
    # A newcomer's welcome (templates/accounts/_welcome.html): set when they
    # sign up, cleared when they dismiss it.
    welcome_pending = models.BooleanField(default=False)

    class Meta:
        ordering = ["username"]
        constraints = [
            # Brand representatives never hold staff or admin powers.
            models.CheckConstraint(
                condition=~models.Q(role="brand_rep")
                | models.Q(is_staff=False, is_superuser=False),
                name="brand_rep_is_never_staff",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="brand_rep") | models.Q(brand__isnull=False),
                name="brand_rep_has_brand",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def clean(self) -> None:
        super().clean()
        if self.role != Role.BRAND_REP:
            return
        if self.is_staff or self.is_superuser:
            raise ValidationError(
                _("Brand representatives never hold staff or administrator powers.")
            )
        if self.brand_id is None:
            raise ValidationError(_("A brand representative needs a brand."))
        if self.pk and self.moderator_assignments.exists():
            raise ValidationError(
                _(
                    "Brand representatives never moderate; remove the moderator assignments first."
                )
            )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.role == Role.BRAND_REP:
            # The same refusal at the model layer: no path (admin, shell,
            # command) can make a moderator or admin a representative.
            self.clean()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile", args=[self.username])

    @property
    def name(self) -> str:
        """The name shown next to posts: display name, else username."""
        return self.display_name or self.username

    @property
    def is_banned(self) -> bool:
        """True while the account may not act (suspended or deactivated)."""
        if not self.is_active:
            return True
        return (
            self.suspended_until is not None and self.suspended_until > timezone.now()
        )

    @property
    def is_silenced(self) -> bool:
        """True while the member may read but not post."""
        return self.silenced_until is not None and self.silenced_until > timezone.now()

    @cached_property
    def _memberships(self) -> tuple[frozenset[int], frozenset[int]]:
        """(group ids, moderated category ids), read in one query per request."""
        groups = self.group_memberships.annotate(kind=Value("g")).values_list(
            "kind", "group_id"
        )
        assignments = self.moderator_assignments.annotate(kind=Value("m")).values_list(
            "kind", "category_id"
        )
        rows = list(groups.union(assignments, all=True))
        return (
            frozenset(pk for kind, pk in rows if kind == "g"),
            frozenset(pk for kind, pk in rows if kind == "m"),
        )

    @cached_property
    def group_ids(self) -> frozenset[int]:
        """Ids of the community groups this person belongs to (once per request)."""
        return self._memberships[0]

    @cached_property
    def assigned_category_ids(self) -> frozenset[int]:
        """Categories this person has a moderator assignment for.

        Assigned is not allowed: ask permissions.policy.moderates(), which
        denies brand representatives and banned accounts first.
        """
        return self._memberships[1]

    @cached_property
    def avatar_colour(self) -> str:
        digest = hashlib.sha256(self.username.encode()).digest()
        return AVATAR_COLOURS[digest[0] % len(AVATAR_COLOURS)]

    @property
    def initials(self) -> str:
        return avatar_initials(self.name, self.username)


class Brand(models.Model):
    """A company whose staff take part as labeled peer resources."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    colour = models.CharField(max_length=7, default="#5b6b7a")
    logo = models.ImageField(upload_to="brands/", blank=True)
    support_url = models.URLField(blank=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class JoinPolicy(models.TextChoices):
    OPEN = "open", _("Open: anyone may join")
    APPLICATION = "application", _("By application: managers decide")
    INVITATION = "invitation", _("By invitation: managers add members")


class MentionPolicy(models.TextChoices):
    ANYONE = "anyone", _("Anyone who can post")
    MEMBERS = "members", _("The group's members")
    MODERATORS = "moderators", _("Moderators and administrators")


class CommunityGroup(models.Model):
    """A segment of the community (beta testers, experts, a region) with its
    own flair and, optionally, categories only its members can read.

    Members join, apply or are invited (join_policy); the groups app holds
    applications, recommendations, mentions and expert routes, and every
    change of membership goes through groups.actions."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    flair = models.CharField(
        max_length=30,
        blank=True,
        help_text=_("Short text label shown on members' posts."),
    )
    members: models.ManyToManyField[User, GroupMembership] = models.ManyToManyField(
        "User", through="GroupMembership", related_name="community_groups"
    )
    join_policy = models.CharField(
        max_length=12, choices=JoinPolicy.choices, default=JoinPolicy.INVITATION
    )
    is_listed = models.BooleanField(
        default=True,
        help_text=_(
            "Listed on /g/ for everyone. Unlisted groups are seen by their "
            "members and managers only."
        ),
    )
    questions = models.TextField(
        blank=True,
        help_text=_("Questions asked of applicants, one per line."),
    )
    terms = models.TextField(
        blank=True,
        help_text=_(
            "Terms applicants accept (a beta NDA, for example). Changing them "
            "raises the version."
        ),
    )
    terms_version = models.PositiveIntegerField(default=1)
    ends_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Every membership ends at this time (a beta's end)."),
    )
    mentionable = models.BooleanField(
        default=False,
        help_text=_("@slug in a post notifies the members; the group page is public."),
    )
    mention_policy = models.CharField(
        max_length=12, choices=MentionPolicy.choices, default=MentionPolicy.MEMBERS
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("groups:group", args=[self.slug])

    @cached_property
    def category_scope(self) -> frozenset[int]:
        """The categories restricted to this group and their parents: whoever
        moderates one of them manages the group (permissions.policy)."""
        restricted = self.categories.order_by().values_list("pk", "parent_id")
        routed = (
            self.expert_routes.filter(category__isnull=False)
            .order_by()
            .values_list("category_id", "category__parent_id")
        )
        rows = restricted.union(routed, all=True)
        return frozenset(pk for pair in rows for pk in pair if pk is not None)

    def question_list(self) -> list[str]:
        return [line.strip() for line in self.questions.splitlines() if line.strip()]


class GroupMembership(models.Model):
    group = models.ForeignKey(CommunityGroup, on_delete=models.CASCADE)
    user = models.ForeignKey(
        "User", on_delete=models.CASCADE, related_name="group_memberships"
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    # The member's own end (set by the manager who accepted them); the
    # group's ends_at applies too, whichever comes first.
    expires_at = models.DateTimeField(null=True, blank=True)
    expiry_notice_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"], name="unique_group_membership"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.group}"


class UserVisit(models.Model):
    """One row per member per day they visited; feeds the trust levels."""

    user = models.ForeignKey("User", on_delete=models.CASCADE, related_name="visits")
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="unique_user_visit")
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.day}"


class Invitation(models.Model):
    """An invite link a member (trust level 2 or more) made: single or
    multi-use, expiring, optionally into a group that takes members by
    invitation. Signing up through it still verifies the email address."""

    code = models.CharField(max_length=40, unique=True)
    created_by = models.ForeignKey(
        "User", on_delete=models.CASCADE, related_name="invitations"
    )
    group = models.ForeignKey(
        CommunityGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    max_uses = models.PositiveIntegerField(default=1)
    uses = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Invitation by {self.created_by_id} ({self.uses}/{self.max_uses})"

    def get_absolute_url(self) -> str:
        return reverse("accounts:invitation", args=[self.code])


class InvitedSignup(models.Model):
    """Who invited whom: one row per account created through an invitation."""

    user = models.OneToOneField(
        "User", on_delete=models.CASCADE, related_name="invited_signup"
    )
    invitation = models.ForeignKey(
        Invitation, on_delete=models.SET_NULL, null=True, related_name="signups"
    )
    invited_by = models.ForeignKey(
        "User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user_id} invited by {self.invited_by_id}"
