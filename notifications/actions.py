"""Every state change of the in-app side of notifications.

Reading notifications, choosing how closely to follow a topic or a category,
and email preferences. Each of these is the member's own data: the actions
check that the actor is signed in and active, that the topic or category is
one they may read, and that a notification is theirs. Brand representatives
use them like anyone else.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from forum.models import Category, Topic
from notifications.models import (
    CategoryWatch,
    EmailFrequency,
    KindPreference,
    Notification,
    NotificationKind,
    NotificationPreferences,
    TopicWatch,
    WatchLevel,
)
from notifications.preferences import DEFAULT_KIND_PREFERENCES
from permissions import policy
from permissions.policy import Perm

# Kinds only brand representatives receive, so only they choose how.
REP_ONLY_KINDS = frozenset(
    {NotificationKind.BRAND_REQUEST, NotificationKind.INSIGHTS_WEEKLY}
)
# Kinds only moderators and admins receive (their review queue and appeals).
MODERATOR_ONLY_KINDS = frozenset(
    {
        NotificationKind.FLAGGED,
        NotificationKind.REVIEW_REQUESTED,
        NotificationKind.APPEAL_CREATED,
        NotificationKind.GROUP_APPLICATION,  # groups: their managers
    }
)


def _require_member(user: User) -> None:
    """Hard denial first: only signed-in, active accounts keep notification state."""
    policy.require(user, Perm.KEEP_OWN_STATE, None)


# --- Reading ---------------------------------------------------------------------------


def mark_read(user: User, notification: Notification) -> Notification:
    """Mark one of *user*'s notifications as read.

    Someone else's notification answers 404: its existence is not theirs to
    learn. Idempotent: a notification already read keeps its first read time.
    """
    _require_member(user)
    if notification.recipient_id != user.pk:
        raise Http404
    if notification.read_at is not None:
        return notification
    now = timezone.now()
    # One UPDATE guarded on read_at, so two tabs racing record one read time.
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=now
    )
    notification.refresh_from_db(fields=["read_at"])
    return notification


def mark_all_read(user: User) -> int:
    """Mark every unread notification of *user* as read; return how many changed."""
    _require_member(user)
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- Watching --------------------------------------------------------------------------


def _clean_level(level: int | str) -> WatchLevel:
    try:
        return WatchLevel(int(level))
    except (TypeError, ValueError):
        raise ValidationError(
            _("Choose Watching, Tracking, Normal or Muted."), code="invalid_level"
        ) from None


def set_topic_watch(user: User, topic: Topic, level: int | str) -> TopicWatch:
    """Set how closely *user* follows *topic*.

    Requires Perm.VIEW_TOPIC (a topic the member cannot read answers 404).
    The row is kept for every level, Normal included, so replying later does
    not switch an explicit choice back to Watching (forum.actions._auto_watch
    only fills in topics without a choice). Muting wins over every other
    reason to notify, see notifications.fanout._muted.
    """
    _require_member(user)
    policy.require(user, Perm.VIEW_TOPIC, topic)
    clean = _clean_level(level)
    with transaction.atomic():
        watch, _created = TopicWatch.objects.update_or_create(
            user=user, topic=topic, defaults={"level": clean}
        )
    return watch


def set_category_watch(
    user: User, category: Category, level: int | str
) -> CategoryWatch:
    """Set how closely *user* follows *category* (and its subcategories).

    Requires Perm.VIEW_CATEGORY (a category the member cannot read answers
    404). Watching notifies of every new topic; Muted silences every topic in
    it, even replies to the member.
    """
    _require_member(user)
    policy.require(user, Perm.VIEW_CATEGORY, category)
    clean = _clean_level(level)
    with transaction.atomic():
        watch, _created = CategoryWatch.objects.update_or_create(
            user=user, category=category, defaults={"level": clean}
        )
    return watch


# --- Email preferences -------------------------------------------------------------------


def preference_kinds(user: User) -> list[NotificationKind]:
    """The notification kinds *user* chooses a delivery for, in display order."""
    moderates = policy.can(user, Perm.VIEW_REVIEW_QUEUE, None)
    return [
        kind
        for kind in NotificationKind
        if (kind not in REP_ONLY_KINDS or policy.is_brand_rep(user))
        and (kind not in MODERATOR_ONLY_KINDS or moderates)
    ]


def update_preferences(
    user: User,
    *,
    email_frequency: str,
    per_kind: Mapping[str, str],
) -> NotificationPreferences:
    """Save *user*'s email frequency and their choice per notification kind.

    Only choices that differ from DEFAULT_KIND_PREFERENCES are stored, so a
    kind left at its default follows the default if it changes. Choices for
    kinds the member isn't offered (a former representative's brand
    requests) are kept as they were. Raises ValidationError for an unknown
    frequency, kind or choice, or a kind the member isn't offered.
    """
    _require_member(user)
    if email_frequency not in EmailFrequency.values:
        raise ValidationError(
            _("Choose how often to get email."), code="invalid_frequency"
        )
    offered = set(preference_kinds(user))
    errors = []
    for kind, choice in per_kind.items():
        if kind not in offered:
            errors.append(
                ValidationError(
                    _("“%(kind)s” isn't a notification you can choose."),
                    code="invalid_kind",
                    params={"kind": kind},
                )
            )
        elif choice not in KindPreference.values:
            errors.append(
                ValidationError(
                    _("Choose right away, digest or off for “%(kind)s”."),
                    code="invalid_choice",
                    params={"kind": NotificationKind(kind).label},
                )
            )
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        prefs, _created = (
            NotificationPreferences.objects.select_for_update().get_or_create(user=user)
        )
        kept = {
            kind: choice
            for kind, choice in prefs.per_kind.items()
            if kind not in offered and kind not in per_kind
        }
        chosen = {
            kind: choice
            for kind, choice in per_kind.items()
            if choice != DEFAULT_KIND_PREFERENCES.get(kind, KindPreference.DIGEST)
        }
        prefs.email_frequency = email_frequency
        prefs.per_kind = kept | chosen
        prefs.save(update_fields=["email_frequency", "per_kind"])
    return prefs
