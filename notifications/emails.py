"""Notification emails: one message per email Delivery row, sent at most once.

notifications.fanout writes a pending email Delivery for each recipient who
wants the notification right away; the send_notification_email task calls
deliver_email() a couple of minutes later. deliver_email() claims the row
with a conditional UPDATE, so two workers (a Celery retry racing the sweep)
never both send it, then re-reads the current state: a notification read in
the app meanwhile, a preference changed, access lost or the daily cap
reached all turn the delivery into "skipped" instead of an email.

Every message carries List-Unsubscribe and List-Unsubscribe-Post headers
(RFC 2369, RFC 8058), so mail clients can offer one-click unsubscribe.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import OperationalError
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from forum.markup import excerpt
from forum.models import Post
from moderation.appeal_links import appeal_path
from moderation.models import ModerationAction
from notifications.models import (
    Delivery,
    EmailFrequency,
    KindPreference,
    Notification,
    NotificationKind,
)
from notifications.preferences import kind_preference, preferences_for
from notifications.unsubscribe import ALL, make_token
from permissions import policy
from permissions.policy import Perm

logger = logging.getLogger(__name__)

# Failures worth another try: the mail server, the network, the database.
# SMTPException and ConnectionError are both OSErrors.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (OSError, OperationalError)
# The claim counts attempts. Celery makes 1 + max_retries (6) of them and the
# sweep may add a few; past this many the delivery is marked failed rather
# than pending, so nothing retries it forever.
MAX_ATTEMPTS = 8
# A row still "sending" after this long belongs to a worker that died
# mid-send. Whether the message left is unknown, so it is marked failed, not
# retried; that also stops the sweep from re-enqueueing it every minute.
# (Sending one message takes seconds: EMAIL_TIMEOUT is 20.)
INTERRUPTED_AFTER = timedelta(minutes=15)
# Delivery.detail for emails held back by NOTIFICATIONS_DAILY_EMAIL_CAP; the
# digest picks those notifications up (notifications.digests).
DAILY_CAP_DETAIL = "daily cap"
# The email settings page (notifications.views, built separately).
NOTIFICATION_SETTINGS_PATH = "/settings/notifications/"
EXCERPT_LENGTH = 280

# Kinds announcing someone's new content: if a moderator hid or removed it
# before the email left (spam caught in the delay), say nothing. Moderation,
# flag and appeal outcomes are about hidden content by nature.
_ABOUT_NEW_CONTENT = frozenset(
    {
        NotificationKind.REPLIED,
        NotificationKind.MENTIONED,
        NotificationKind.QUOTED,
        NotificationKind.LIKED,
        NotificationKind.WATCHED_TOPIC_POST,
        NotificationKind.WATCHED_CATEGORY_TOPIC,
        NotificationKind.OFFICIAL_ANSWER,
        NotificationKind.BRAND_ANSWERED,
        NotificationKind.BRAND_REQUEST,
    }
)


# --- Links and headers shared with the digests ----------------------------------------


def absolute_url(path: str) -> str:
    """*path* on the public site. Emails have no request, so links start at SITE_URL."""
    if path.startswith(("https://", "http://")):
        return path
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def unsubscribe_url(user: User, kind: str) -> str:
    """The absolute one-click unsubscribe link for *user* and *kind* (or ALL)."""
    token = make_token(user, kind)
    return absolute_url(reverse("notifications_email:unsubscribe", args=[token]))


def list_headers(unsubscribe: str) -> dict[str, str]:
    """Headers that let mail clients show an unsubscribe button (RFC 8058).

    No mailto: alternative: nothing reads a mailbox for unsubscribe requests.
    """
    return {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        # Keeps vacation auto-replies away (RFC 3834).
        "Auto-Submitted": "auto-generated",
    }


def subject_line(text: str) -> str:
    """ "[Site] text" on one line: a newline in a header is refused (and unsafe)."""
    subject = _("[%(site)s] %(text)s") % {"site": settings.SITE_NAME, "text": text}
    return " ".join(subject.split())


def compose(
    *,
    to: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    headers: dict[str, str],
) -> EmailMultiAlternatives:
    """A two-part message from templates/<template>.txt and <template>.html."""
    context = {
        "site_name": settings.SITE_NAME,
        "site_url": absolute_url("/"),
        "settings_url": absolute_url(NOTIFICATION_SETTINGS_PATH),
        **context,
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers,
    )
    message.attach_alternative(
        render_to_string(f"{template}.html", context), "text/html"
    )
    return message


def has_verified_email(user: User) -> bool:
    """True when *user*'s address was confirmed: never mail an address that a
    sign-up merely typed in (it may be someone else's)."""
    return EmailAddress.objects.filter(
        user=user, email__iexact=user.email, verified=True
    ).exists()


def post_is_visible(post: Post) -> bool:
    """True when *post* shows to readers as itself, not as a tombstone."""
    return not (
        post.is_hidden
        or post.pending_review
        or post.deleted_at is not None
        or post.removed_at is not None
    )


# --- One notification email -------------------------------------------------------------


def deliver_email(delivery_id: int) -> None:
    """Send the email of one Delivery row, or mark it skipped; at most once.

    Claims the row (pending -> sending, attempts + 1) in one conditional
    UPDATE; if nothing was claimed the email was sent, skipped, or is being
    sent by another worker, and this call does nothing. After a mail-server
    or network error the row goes back to pending (failed after
    MAX_ATTEMPTS) and the error is re-raised for Celery's autoretry. A crash
    between sending and recording leaves the row "sending"; a later call
    (the sweep) marks it failed after INTERRUPTED_AFTER instead of sending
    again: never sending twice wins over always sending.
    """
    claimed = Delivery.objects.filter(
        pk=delivery_id,
        channel=Delivery.Channel.EMAIL,
        status=Delivery.Status.PENDING,
    ).update(
        status=Delivery.Status.SENDING,
        attempts=F("attempts") + 1,
        # update() skips auto_now; the daily cap and the sweep read updated_at.
        updated_at=timezone.now(),
    )
    if not claimed:
        _give_up_if_interrupted(delivery_id)
        return

    delivery: Delivery | None = None
    try:
        delivery = (
            Delivery.objects.select_related(
                "recipient",
                "notification__topic__category__parent",
                "notification__post",
            )
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:  # its event was deleted meanwhile
            return
        reason = skip_reason(delivery)
        if reason:
            _finish(delivery_id, Delivery.Status.SKIPPED, reason)
            return
        notification_message(delivery).send()
    except TRANSIENT_ERRORS as error:
        status = (
            Delivery.Status.FAILED
            if delivery is not None and delivery.attempts >= MAX_ATTEMPTS
            else Delivery.Status.PENDING
        )
        _finish(delivery_id, status, _describe(error))
        logger.warning("Email delivery %s: %s (%s).", delivery_id, error, status)
        raise
    except Exception as error:
        # A bug or bad data, not the network: a retry would fail the same way.
        _finish(delivery_id, Delivery.Status.FAILED, _describe(error))
        logger.exception("Email delivery %s failed for good.", delivery_id)
        raise
    _finish(delivery_id, Delivery.Status.SENT, "")


def skip_reason(delivery: Delivery) -> str:
    """Why the email of *delivery* should not be sent now; "" to send it.

    The member's own state first, then their preferences, then access, and
    the daily cap last: it only matters for an email that would otherwise
    leave. The reason is stored in Delivery.detail for admins; members never
    see it.
    """
    notification = delivery.notification
    recipient = delivery.recipient
    if notification is None:
        return "notification deleted"
    if notification.read_at is not None:
        return "read in the app"
    if not recipient.email:
        return "no email address"
    if not recipient.is_active:
        return "inactive account"
    if recipient.is_banned and notification.kind not in _REACHES_SUSPENDED:
        # A suspended member is still told about actions against them and
        # the outcome of their appeals, with a way to appeal.
        return "suspended"
    if not has_verified_email(recipient):
        return "email not verified"
    # Preferences may have changed since the fan-out wrote this row.
    prefs = preferences_for(recipient.pk)
    if prefs.email_frequency != EmailFrequency.IMMEDIATELY:
        return f"email frequency {prefs.email_frequency}"
    choice = kind_preference(prefs, notification.kind)
    if choice != KindPreference.IMMEDIATELY:
        return f"preference {choice}"
    # Access may have been lost since the fan-out (left a group, category
    # restricted, topic hidden or deleted).
    if notification.topic is not None and not policy.can(
        recipient, Perm.VIEW_TOPIC, notification.topic
    ):
        return "cannot view topic"
    if (
        notification.kind in _ABOUT_NEW_CONTENT
        and notification.post is not None
        and not post_is_visible(notification.post)
    ):
        return "post hidden or removed"
    if emails_sent_today(recipient) >= settings.NOTIFICATIONS_DAILY_EMAIL_CAP:
        return DAILY_CAP_DETAIL
    return ""


# Kinds with an email of their own (extending notification.txt / .html).
KIND_TEMPLATES: dict[str, str] = {
    kind: f"notifications/email/kinds/{kind}"
    for kind in (
        NotificationKind.IDEA_STATUS,
        NotificationKind.REVIEW_CLEARED,
        NotificationKind.FLAGGED,
        NotificationKind.REVIEW_REQUESTED,
        NotificationKind.APPEAL_CREATED,
    )
}

_REACHES_SUSPENDED = {NotificationKind.MODERATION, NotificationKind.APPEAL_DECIDED}


def _appeal_url(notification: Notification) -> str:
    """The signed appeal link for a notification about a moderation action."""
    if notification.kind != NotificationKind.MODERATION or notification.event is None:
        return ""
    action_id = notification.event.payload.get("action_id")
    action = (
        ModerationAction.objects.filter(pk=action_id).first() if action_id else None
    )
    if action is None or action.target_user_id != notification.recipient_id:
        return ""
    return absolute_url(appeal_path(action))


def emails_sent_today(user: User) -> int:
    """Notification emails sent to *user* since local midnight (TIME_ZONE)."""
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return Delivery.objects.filter(
        recipient=user,
        channel=Delivery.Channel.EMAIL,
        status=Delivery.Status.SENT,
        updated_at__gte=midnight,
    ).count()


def notification_message(delivery: Delivery) -> EmailMultiAlternatives:
    """The email for *delivery*: subject, plain text, HTML and list headers."""
    notification = delivery.notification
    if notification is None:  # skip_reason() says so before this is called
        raise ValueError(f"Delivery {delivery.pk} has no notification.")
    recipient = delivery.recipient
    post = notification.post
    kind = notification.kind
    unsubscribe = unsubscribe_url(recipient, kind)
    context = {
        "recipient": recipient,
        "text": notification.text,
        "topic": notification.topic,
        "actor_name": notification.actor_name,
        # forum.markup.excerpt returns plain text; the templates escape it.
        "excerpt": (
            excerpt(post.body_html, EXCERPT_LENGTH)
            if post is not None and post_is_visible(post)
            else ""
        ),
        "action_url": absolute_url(notification.url),
        "appeal_url": _appeal_url(notification),
        "kind_label": NotificationKind(kind).label,
        "unsubscribe_url": unsubscribe,
        "unsubscribe_all_url": unsubscribe_url(recipient, ALL),
    }
    return compose(
        to=recipient.email,
        subject=subject_line(notification.text),
        template=KIND_TEMPLATES.get(kind, "notifications/email/notification"),
        context=context,
        headers=list_headers(unsubscribe),
    )


def _give_up_if_interrupted(delivery_id: int) -> None:
    Delivery.objects.filter(
        pk=delivery_id,
        status=Delivery.Status.SENDING,
        updated_at__lt=timezone.now() - INTERRUPTED_AFTER,
    ).update(
        status=Delivery.Status.FAILED,
        detail="interrupted while sending; not retried, it may have been sent",
        updated_at=timezone.now(),
    )


def _finish(delivery_id: int, status: str, detail: str) -> None:
    Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.SENDING).update(
        status=status, detail=detail[:200], updated_at=timezone.now()
    )


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"
