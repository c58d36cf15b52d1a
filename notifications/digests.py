"""Daily and weekly digest emails.

Who gets which digest:

- members whose email frequency is "daily" or "weekly" get that digest:
  their unread notifications since the last digest, of every kind they have
  not turned off and that was not already emailed, plus the popular topics
  of the period in categories they can read;
- members whose email frequency is "immediately" (the default) get the
  daily digest only when it has notifications for them: those of kinds they
  set to "digest" (likes and flag outcomes by default) and those whose
  immediate email the daily cap held back. Popular topics come along, but
  never make an email on their own: these members did not ask for a digest.

Unread notifications only, 20 at most, newest first, in topics the member
can still view; popular topics are ranked by likes + replies, created or
active in the period, 10 at most, without hidden, deleted, merged or muted
ones. A member with nothing to send gets no email.

Digests do not count toward NOTIFICATIONS_DAILY_EMAIL_CAP and are not held
back by it: the cap limits bursts of immediate emails, and a digest is at
most one email per period by construction (it is also where capped
notifications end up).

Exactly once per period: NotificationPreferences.last_digest_at is set with a
compare-and-set UPDATE before the email leaves, so a second run (a retried
task, two workers) skips the member; a failed send puts the old value back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from forum.models import Topic
from notifications.emails import (
    DAILY_CAP_DETAIL,
    TRANSIENT_ERRORS,
    absolute_url,
    compose,
    list_headers,
    subject_line,
    unsubscribe_url,
)
from notifications.models import (
    CategoryWatch,
    Delivery,
    EmailFrequency,
    KindPreference,
    Notification,
    NotificationKind,
    NotificationPreferences,
    TopicWatch,
    WatchLevel,
)
from notifications.preferences import kind_preference
from notifications.unsubscribe import ALL
from permissions import policy

logger = logging.getLogger(__name__)

DIGEST_BATCH = 500
MAX_NOTIFICATIONS = 20
MAX_POPULAR_TOPICS = 10
PERIODS: dict[str, timedelta] = {
    EmailFrequency.DAILY: timedelta(days=1),
    EmailFrequency.WEEKLY: timedelta(days=7),
}
# A member sent a digest this recently is skipped, so a re-run is a no-op;
# the margin absorbs beat firing a little early or late.
MIN_GAP: dict[str, timedelta] = {
    EmailFrequency.DAILY: timedelta(hours=20),
    EmailFrequency.WEEKLY: timedelta(days=6),
}
# After this many failed sends in a row the mail server is taken to be down:
# stop, and let the task's retry (or the next period) carry on.
MAX_CONSECUTIVE_FAILURES = 3


@dataclass
class Digest:
    """What one member's digest holds."""

    user: User
    frequency: str
    immediate_member: bool
    notifications: list[Notification]
    topics: list[Topic]


@dataclass
class DigestRun:
    """The outcome of one send_digests() call."""

    sent: int = 0
    empty: int = 0
    failed: list[int] = field(default_factory=list)


def send_digests(frequency: str, *, now: datetime | None = None) -> DigestRun:
    """Email the *frequency* ("daily" or "weekly") digest to every member due one.

    Iterates members in batches of DIGEST_BATCH, one SMTP connection for the
    whole run. A member whose send fails is left for the next run; after
    MAX_CONSECUTIVE_FAILURES in a row the error is re-raised.
    """
    if frequency not in PERIODS:
        raise ValueError(f"No digest is sent {frequency!r}.")
    now = now or timezone.now()
    run = DigestRun()
    connection = get_connection()
    consecutive_failures = 0
    try:
        for user in digest_recipients(frequency, now).iterator(chunk_size=DIGEST_BATCH):
            prefs = _preferences(user)
            if _recently_sent(prefs, frequency, now):
                continue
            digest = build_digest(user, prefs, frequency, now)
            if digest is None:
                run.empty += 1
                continue
            message = digest_message(digest)
            previous = prefs.last_digest_at
            if not _claim(user, previous, now):
                continue  # another run got there first
            try:
                # open() is a no-op when already open: one session for the run.
                connection.open()
                message.connection = connection
                message.send()
            except TRANSIENT_ERRORS as error:
                _release(user, previous, now)
                connection.close()  # a broken session would fail every next send
                run.failed.append(user.pk)
                consecutive_failures += 1
                logger.warning("Digest for member %s not sent: %s", user.pk, error)
                if consecutive_failures >= MAX_CONSECUTIVE_FAILURES:
                    raise
                continue
            consecutive_failures = 0
            run.sent += 1
    finally:
        connection.close()
    return run


def digest_recipients(frequency: str, now: datetime) -> QuerySet[User]:
    """Members who may be due the *frequency* digest, by primary key.

    Active, not suspended, with a verified address; build_digest() decides
    whether each one has anything to read.
    """
    verified = EmailAddress.objects.filter(
        user=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True
    )
    wanted = Q(notification_preferences__email_frequency=frequency)
    if frequency == EmailFrequency.DAILY:
        # Cheap pre-filter for the many "immediately" members: only those
        # with something unread can have a digest.
        unread = Notification.objects.filter(
            recipient=OuterRef("pk"), read_at__isnull=True
        )
        immediate = Q(notification_preferences__isnull=True) | Q(
            notification_preferences__email_frequency=EmailFrequency.IMMEDIATELY
        )
        wanted |= immediate & Q(Exists(unread))
    return (
        User.objects.filter(wanted, Exists(verified), is_active=True)
        .exclude(email="")
        .exclude(suspended_until__gt=now)
        .select_related("notification_preferences")
        .order_by("pk")
    )


def build_digest(
    user: User, prefs: NotificationPreferences, frequency: str, now: datetime
) -> Digest | None:
    """*user*'s digest for the period ending *now*, or None if it would be empty."""
    immediate_member = prefs.email_frequency == EmailFrequency.IMMEDIATELY
    since = prefs.last_digest_at or now - PERIODS[frequency]
    notifications = digest_notifications(
        user, prefs, since=since, immediate_member=immediate_member
    )
    if immediate_member and not notifications:
        return None
    topics = popular_topics(user, since=now - PERIODS[frequency])
    if not notifications and not topics:
        return None
    return Digest(user, frequency, immediate_member, notifications, topics)


def digest_notifications(
    user: User,
    prefs: NotificationPreferences,
    *,
    since: datetime,
    immediate_member: bool,
) -> list[Notification]:
    """*user*'s unread notifications since *since* that belong in the digest."""
    choices = {kind: kind_preference(prefs, kind) for kind in NotificationKind.values}
    off = [kind for kind, choice in choices.items() if choice == KindPreference.OFF]
    emailed = Delivery.objects.filter(
        notification=OuterRef("pk"),
        channel=Delivery.Channel.EMAIL,
        status=Delivery.Status.SENT,
    )
    notifications = Notification.objects.filter(
        recipient=user, read_at__isnull=True, created_at__gt=since
    ).exclude(Exists(emailed))
    if off:
        notifications = notifications.exclude(kind__in=off)
    if immediate_member:
        digest_kinds = [
            kind for kind, choice in choices.items() if choice == KindPreference.DIGEST
        ]
        held_back = Delivery.objects.filter(
            notification=OuterRef("pk"),
            channel=Delivery.Channel.EMAIL,
            status=Delivery.Status.SKIPPED,
            detail=DAILY_CAP_DETAIL,
        )
        notifications = notifications.filter(
            Q(kind__in=digest_kinds) | Q(Exists(held_back))
        )
    # Access may have changed since the fan-out: ask the policy again.
    visible = policy.visible_topics(user, Topic.objects.all())
    notifications = notifications.filter(Q(topic__isnull=True) | Q(topic__in=visible))
    return list(notifications.order_by("-created_at", "-pk")[:MAX_NOTIFICATIONS])


def popular_topics(user: User, *, since: datetime) -> list[Topic]:
    """The most liked and answered topics created or active since *since*
    that *user* can read and has not muted."""
    muted_topics = TopicWatch.objects.filter(user=user, level=WatchLevel.MUTED)
    muted_categories = CategoryWatch.objects.filter(
        user=user, level=WatchLevel.MUTED
    ).values("category_id")
    recent = Topic.objects.filter(
        Q(created_at__gte=since) | Q(last_posted_at__gte=since),
        # A summary for everyone: moderators see these on the site, not here.
        is_hidden=False,
        deleted_at__isnull=True,
        merged_into__isnull=True,
    )
    topics = (
        policy.visible_topics(user, recent)
        .exclude(pk__in=muted_topics.values("topic_id"))
        .exclude(category_id__in=muted_categories)
        .exclude(category__parent_id__in=muted_categories)
        .annotate(score=F("like_count") + F("reply_count"))
        .filter(score__gt=0)
        .select_related("category")
        .order_by("-score", "-last_posted_at", "-pk")
    )
    return list(topics[:MAX_POPULAR_TOPICS])


def digest_message(digest: Digest) -> EmailMultiAlternatives:
    """The digest email: both parts, and one-click unsubscribe from all email."""
    user = digest.user
    unsubscribe = unsubscribe_url(user, ALL)
    if digest.frequency == EmailFrequency.WEEKLY:
        title = _("Your weekly digest")
    else:
        title = _("Your daily digest")
    context: dict[str, Any] = {
        "recipient": user,
        "title": title,
        "immediate_member": digest.immediate_member,
        "frequency_label": EmailFrequency(digest.frequency).label,
        "notifications": [
            {
                "text": notification.text,
                "url": absolute_url(notification.url),
                "created_at": notification.created_at,
            }
            for notification in digest.notifications
        ],
        "topics": [
            {
                "title": topic.title,
                "url": absolute_url(topic.get_absolute_url()),
                "category": topic.category.name,
                "reply_count": topic.reply_count,
                "like_count": topic.like_count,
            }
            for topic in digest.topics
        ],
        "unsubscribe_url": unsubscribe,
    }
    return compose(
        to=user.email,
        subject=subject_line(title),
        template="notifications/email/digest",
        context=context,
        headers=list_headers(unsubscribe),
    )


def _preferences(user: User) -> NotificationPreferences:
    try:
        return user.notification_preferences
    except ObjectDoesNotExist:
        return NotificationPreferences(user=user)


def _recently_sent(
    prefs: NotificationPreferences, frequency: str, now: datetime
) -> bool:
    last = prefs.last_digest_at
    return last is not None and last > now - MIN_GAP[frequency]


def _claim(user: User, previous: datetime | None, now: datetime) -> bool:
    """Set last_digest_at from *previous* to *now*; False if it changed meanwhile."""
    NotificationPreferences.objects.get_or_create(user=user)
    unchanged = (
        Q(last_digest_at__isnull=True)
        if previous is None
        else Q(last_digest_at=previous)
    )
    return bool(
        NotificationPreferences.objects.filter(unchanged, user=user).update(
            last_digest_at=now
        )
    )


def _release(user: User, previous: datetime | None, now: datetime) -> None:
    """Undo _claim after a failed send, so the next run includes the member."""
    NotificationPreferences.objects.filter(user=user, last_digest_at=now).update(
        last_digest_at=previous
    )
