"""Email preferences: a global frequency and a choice per notification kind."""

from __future__ import annotations

from config.sql import many_ids
from notifications.models import (
    EmailFrequency,
    KindPreference,
    NotificationKind,
    NotificationPreferences,
)

# Quiet defaults: what is addressed to you comes right away; the rest waits
# for the digest.
DEFAULT_KIND_PREFERENCES: dict[str, str] = {
    NotificationKind.REPLIED: KindPreference.IMMEDIATELY,
    NotificationKind.MENTIONED: KindPreference.IMMEDIATELY,
    NotificationKind.QUOTED: KindPreference.IMMEDIATELY,
    NotificationKind.LIKED: KindPreference.DIGEST,
    NotificationKind.WATCHED_TOPIC_POST: KindPreference.IMMEDIATELY,
    NotificationKind.WATCHED_CATEGORY_TOPIC: KindPreference.IMMEDIATELY,
    NotificationKind.ANSWER_ACCEPTED: KindPreference.IMMEDIATELY,
    NotificationKind.BRAND_ANSWERED: KindPreference.IMMEDIATELY,
    NotificationKind.OFFICIAL_ANSWER: KindPreference.IMMEDIATELY,
    NotificationKind.ESCALATED: KindPreference.IMMEDIATELY,
    NotificationKind.MODERATION: KindPreference.IMMEDIATELY,
    NotificationKind.FLAG_RESOLVED: KindPreference.DIGEST,
    NotificationKind.APPEAL_DECIDED: KindPreference.IMMEDIATELY,
    NotificationKind.BRAND_REQUEST: KindPreference.IMMEDIATELY,
    NotificationKind.IDEA_STATUS: KindPreference.IMMEDIATELY,
    NotificationKind.IDEA_RESPONSE_DUE: KindPreference.IMMEDIATELY,
    NotificationKind.REVIEW_CLEARED: KindPreference.IMMEDIATELY,
    NotificationKind.FLAGGED: KindPreference.IMMEDIATELY,
    NotificationKind.REVIEW_REQUESTED: KindPreference.IMMEDIATELY,
    NotificationKind.APPEAL_CREATED: KindPreference.IMMEDIATELY,
    # insights: a representative can turn it off in their settings
    NotificationKind.INSIGHTS_WEEKLY: KindPreference.IMMEDIATELY,
    # groups
    NotificationKind.GROUP_APPLICATION: KindPreference.IMMEDIATELY,
    NotificationKind.GROUP_MEMBERSHIP: KindPreference.IMMEDIATELY,
    NotificationKind.GROUP_MENTIONED: KindPreference.IMMEDIATELY,
    NotificationKind.EXPERT_QUESTION: KindPreference.IMMEDIATELY,
    # recognition
    NotificationKind.ANSWER_CONFIRMED: KindPreference.IMMEDIATELY,
    # support: the desk's status updates on a member's escalated topic
    NotificationKind.SUPPORT_STATUS: KindPreference.IMMEDIATELY,
    # conversations
    NotificationKind.PRIVATE_MESSAGE: KindPreference.IMMEDIATELY,
    # privacy: the member asked for it
    NotificationKind.DATA_EXPORT: KindPreference.IMMEDIATELY,
}


def preferences_for(user_id: int) -> NotificationPreferences:
    return NotificationPreferences.objects.filter(user_id=user_id).first() or (
        NotificationPreferences(user_id=user_id)
    )


def preferences_for_many(
    user_ids: list[int], *, defaults_shared: bool = False
) -> dict[int, NotificationPreferences]:
    """Everyone's preferences in one query; defaults for those without a row.

    With *defaults_shared*, everyone without a row gets the same unsaved
    defaults object (read it, never save it): a fan-out to 100,000 watchers
    need not build 100,000 of them.
    """
    rows = NotificationPreferences.objects.filter(user_id__in=many_ids(user_ids))
    found = {prefs.user_id: prefs for prefs in rows}
    if defaults_shared:
        shared = NotificationPreferences()
        return {user_id: found.get(user_id) or shared for user_id in user_ids}
    return {
        user_id: found.get(user_id) or NotificationPreferences(user_id=user_id)
        for user_id in user_ids
    }


def kind_preference(prefs: NotificationPreferences, kind: str) -> str:
    return prefs.per_kind.get(kind) or DEFAULT_KIND_PREFERENCES.get(
        kind, KindPreference.DIGEST
    )


def wants_immediate_email(prefs: NotificationPreferences, kind: str) -> bool:
    if prefs.email_frequency != EmailFrequency.IMMEDIATELY:
        return False
    return kind_preference(prefs, kind) == KindPreference.IMMEDIATELY
