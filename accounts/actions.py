"""State changes for accounts. Views, the admin and commands call these."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import (
    Brand,
    CommunityGroup,
    GroupMembership,
    Invitation,
    InvitedSignup,
    User,
)
from accounts.roles import Role, TrustLevel
from forum.cache import bump_on_commit
from forum.models import Category
from moderation.audit import record
from moderation.models import AuditVerb, ModeratorAssignment
from permissions import policy
from permissions.policy import Perm


def update_profile(
    actor: User,
    user: User,
    *,
    display_name: str,
    bio: str,
    avatar: ContentFile[bytes] | None = None,
    remove_avatar: bool = False,
) -> User:
    """Change *user*'s public profile. Only the person themself may do it.

    A new avatar replaces the old file; removing one falls back to the
    generated initials avatar.
    """
    policy.require(actor, Perm.EDIT_PROFILE, user)

    old_avatar_name = user.avatar.name if user.avatar else ""
    with transaction.atomic():
        user.display_name = display_name
        user.bio = bio
        fields = ["display_name", "bio"]
        if avatar is not None:
            user.avatar.save(avatar.name, avatar, save=False)
            fields.append("avatar")
        elif remove_avatar and old_avatar_name:
            user.avatar = ""
            fields.append("avatar")
        user.save(update_fields=fields)
        bump_on_commit()  # names and avatars show on every page they posted on

    if "avatar" in fields and old_avatar_name:
        storage = user.avatar.storage
        transaction.on_commit(lambda: storage.delete(old_avatar_name))
    return user


def start_welcome(actor: User) -> None:
    """Show *actor* the newcomer's welcome (at sign-up) until they dismiss it."""
    policy.require(actor, Perm.KEEP_OWN_STATE, None)
    User.objects.filter(pk=actor.pk).update(welcome_pending=True)
    actor.welcome_pending = True


def dismiss_welcome(actor: User) -> None:
    """Hide the newcomer's welcome for good. Idempotent."""
    policy.require(actor, Perm.KEEP_OWN_STATE, None)
    User.objects.filter(pk=actor.pk).update(welcome_pending=False)
    actor.welcome_pending = False


# --- Administration: roles, brands, moderators, trust levels ------------------------------


def _require_admin(actor: User, perm: Perm, obj: object = None) -> None:
    policy.require(actor, perm, obj)


def verify_brand_rep(
    actor: User, user: User, brand: Brand, *, reason: str = ""
) -> User:
    """Make *user* a labeled representative of *brand*.

    Refused for anyone holding moderator or admin powers: a representative
    never moderates, so the powers must be given up first.
    """
    _require_admin(actor, Perm.MANAGE_BRAND_REPS)
    ensure_can_become_brand_rep(user)
    with transaction.atomic():
        user.role = Role.BRAND_REP
        user.brand = brand
        user.brand_since = timezone.now()
        user.save(update_fields=["role", "brand", "brand_since"])
        record(
            actor, AuditVerb.BRAND_REP_VERIFIED, user, reason=reason, brand=brand.name
        )
        bump_on_commit()  # the roster and the profile's label
    return user


def revoke_brand_rep(actor: User, user: User, *, reason: str = "") -> User:
    """Turn a representative back into a member. Posts keep their snapshot label."""
    _require_admin(actor, Perm.MANAGE_BRAND_REPS)
    if user.role != Role.BRAND_REP:
        raise ValidationError(
            _("%(name)s is not a brand representative.") % {"name": user}
        )
    with transaction.atomic():
        brand_name = user.brand.name if user.brand else ""
        user.role = Role.MEMBER
        user.brand = None
        user.brand_since = None
        user.save(update_fields=["role", "brand", "brand_since"])
        record(
            actor, AuditVerb.BRAND_REP_REVOKED, user, reason=reason, brand=brand_name
        )
        bump_on_commit()
    return user


def ensure_can_become_brand_rep(user: User) -> None:
    if user.is_staff or user.is_superuser or user.role == Role.ADMIN:
        raise ValidationError(
            _(
                "%(name)s is an administrator. Brand representatives never hold "
                "admin powers; remove them first."
            )
            % {"name": user}
        )
    if user.pk and user.moderator_assignments.exists():
        raise ValidationError(
            _(
                "%(name)s is a volunteer moderator. Brand representatives never "
                "moderate; remove the moderator assignments first."
            )
            % {"name": user}
        )


def ensure_can_moderate(user: User) -> None:
    if user.role == Role.BRAND_REP:
        raise ValidationError(
            _("%(name)s is a brand representative, and representatives never moderate.")
            % {"name": user}
        )
    if not user.is_active:
        raise ValidationError(_("%(name)s's account is not active.") % {"name": user})


def assign_moderator(
    actor: User, user: User, category: Category
) -> ModeratorAssignment:
    """Make *user* a volunteer moderator of *category* (and its subcategories)."""
    _require_admin(actor, Perm.ASSIGN_MODERATOR)
    ensure_can_moderate(user)
    with transaction.atomic():
        assignment, created = ModeratorAssignment.objects.get_or_create(
            user=user, category=category, defaults={"assigned_by": actor}
        )
        if created:
            record(actor, AuditVerb.MODERATOR_ASSIGNED, user, category_id=category.pk)
            bump_on_commit()  # the roster lists moderators
    return assignment


def unassign_moderator(actor: User, user: User, category: Category) -> None:
    _require_admin(actor, Perm.ASSIGN_MODERATOR)
    with transaction.atomic():
        deleted, _detail = ModeratorAssignment.objects.filter(
            user=user, category=category
        ).delete()
        if deleted:
            record(actor, AuditVerb.MODERATOR_UNASSIGNED, user, category_id=category.pk)
            bump_on_commit()


def set_trust_level(actor: User, user: User, level: int, *, reason: str) -> User:
    """Set a trust level by hand, with a logged reason; the daily
    recomputation then leaves this member alone."""
    _require_admin(actor, Perm.SET_TRUST_LEVEL)
    if level not in TrustLevel.values:
        raise ValidationError(_("Choose a trust level from 0 to 4."))
    if not reason.strip():
        raise ValidationError(_("Give a reason; it is kept in the audit log."))
    with transaction.atomic():
        previous = user.trust_level
        user.trust_level = level
        user.trust_level_locked = True
        user.save(update_fields=["trust_level", "trust_level_locked"])
        record(
            actor,
            AuditVerb.TRUST_LEVEL_SET,
            user,
            reason=reason,
            previous=previous,
            level=level,
        )
        bump_on_commit()  # posts show their author's trust level
    return user


def unlock_trust_level(actor: User, user: User, *, reason: str) -> User:
    """Hand a member's trust level back to the daily recomputation."""
    _require_admin(actor, Perm.SET_TRUST_LEVEL)
    if not user.trust_level_locked:
        return user
    with transaction.atomic():
        user.trust_level_locked = False
        user.save(update_fields=["trust_level_locked"])
        record(actor, AuditVerb.TRUST_LEVEL_UNLOCKED, user, reason=reason)
    return user


# --- Invitations (issue 23) ------------------------------------------------------------------

INVITATION_MAX_USES = 50
# The invitation a visitor opened, kept in their session until they sign up.
INVITATION_SESSION_KEY = "hearth_invitation"
INVITATION_MAX_DAYS = 30


def create_invitation(
    actor: User,
    *,
    max_uses: int = 1,
    days: int = 7,
    group: CommunityGroup | None = None,
    now: datetime | None = None,
) -> Invitation:
    """An invite link, valid for *days* and *max_uses* sign-ups, optionally
    into *group* (a group that takes members by invitation)."""
    policy.require(actor, Perm.CREATE_INVITATION, group)
    if not 1 <= max_uses <= INVITATION_MAX_USES:
        raise ValidationError(
            _("An invitation is good for 1 to %(n)d sign-ups.")
            % {"n": INVITATION_MAX_USES},
            code="max_uses",
        )
    if not 1 <= days <= INVITATION_MAX_DAYS:
        raise ValidationError(
            _("An invitation lasts 1 to %(n)d days.") % {"n": INVITATION_MAX_DAYS},
            code="days",
        )
    now = now or timezone.now()
    return Invitation.objects.create(
        code=secrets.token_urlsafe(18),
        created_by=actor,
        group=group,
        max_uses=max_uses,
        expires_at=now + timedelta(days=days),
        created_at=now,
    )


def invitation_problem(invitation: Invitation, now: datetime) -> str:
    """Why *invitation* can't be used now ("" when it can)."""
    if invitation.expires_at <= now:
        return _("This invitation has expired. Ask for a new one.")
    if invitation.uses >= invitation.max_uses:
        return _("This invitation has been used as many times as it allows.")
    return ""


def accept_invitation(
    user: User, code: str, *, now: datetime | None = None
) -> InvitedSignup:
    """Record that *user*, just signed up, came through the invitation *code*
    (and join its group). A step of the new account's own sign-up: the
    invitation's validity, checked again under a lock, is the permission."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(code=code).first()
        if invitation is None:
            raise ValidationError(_("This invitation doesn't exist."), code="code")
        if problem := invitation_problem(invitation, now):
            raise ValidationError(problem, code="invitation")
        if InvitedSignup.objects.filter(user=user).exists():
            raise ValidationError(_("This account was already invited."), code="code")
        Invitation.objects.filter(pk=invitation.pk).update(uses=F("uses") + 1)
        signup = InvitedSignup.objects.create(
            user=user,
            invitation=invitation,
            invited_by_id=invitation.created_by_id,
            created_at=now,
        )
        if invitation.group is not None:
            GroupMembership.objects.get_or_create(group=invitation.group, user=user)
            bump_on_commit()
    return signup
