from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """A person's standing role. Moderation is not a role: it comes only from
    a per-category ModeratorAssignment, see permissions.policy.moderates()."""

    MEMBER = "member", _("Member")
    BRAND_REP = "brand_rep", _("Brand representative")
    ADMIN = "admin", _("Administrator")


class PostRole(models.TextChoices):
    """The author's role as snapshotted on a post when it was written."""

    MEMBER = "member", _("Member")
    MODERATOR = "moderator", _("Moderator")
    BRAND_REP = "brand_rep", _("Brand representative")
    ADMIN = "admin", _("Administrator")


class TrustLevel(models.IntegerChoices):
    NEW = 0, _("New")
    BASIC = 1, _("Basic")
    MEMBER = 2, _("Member")
    REGULAR = 3, _("Regular")
    LEADER = 4, _("Leader")
