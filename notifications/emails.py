"""Notification emails: one message per email Delivery row, sent at most once.

notifications.fanout writes a pending email Delivery for each recipient who
wants the notification right away; the send_notification_emails task calls
deliver_email() a couple of minutes later. deliver_email() claims the row
with a conditional UPDATE under a lease (NOTIFICATIONS_SWEEP_AFTER_SECONDS),
so two workers (a Celery retry racing the sweep) never both send it, then
re-reads the current state: a notification read in the app meanwhile, a
preference changed, access lost or the daily cap reached all turn the
delivery into "skipped" instead of an email. Only a failure inside the
backend call can have sent it ("may have been sent": failed, never sent
again); anything earlier puts it back to pending (deliver_email() has the
steps, the sweep in notifications.tasks frees claims of dead workers).

Every message carries List-Unsubscribe and List-Unsubscribe-Post headers
(RFC 2369, RFC 8058), so mail clients can offer one-click unsubscribe.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from smtplib import SMTPException, SMTPServerDisconnected
from typing import Any, TypeVar

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import InterfaceError, OperationalError, connection
from django.db.models import Case, F, Q, Value, When
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
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    OperationalError,
    InterfaceError,
)
# The claim counts attempts. Celery makes 1 + max_retries (6) of them and the
# sweep may add a few; past this many the delivery is marked failed ("not
# sent") rather than pending, so nothing retries it forever.
MAX_ATTEMPTS = 8
# Delivery.detail of a failed email whose send had begun when it failed or
# its worker died: it may have reached the member, so it is never sent again.
# Admins see these on the delivery health page.
MAY_HAVE_BEEN_SENT = "may have been sent"
# Delivery.detail of a failed email that certainly never left.
NOT_SENT = "not sent"
# How long writing "sent" keeps trying through a database hiccup after the
# message left, in seconds between tries, before leaving the row "sending".
RECORD_SENT_PAUSES = (0.5, 1.0, 2.0, 4.0, 8.0)
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


def deliver_email(delivery_id: int, claimant: str | None = None) -> None:
    """Send the email of one Delivery row, or mark it skipped; at most once.

    1. Claim the row (pending -> claimed, attempts + 1, a lease of
       NOTIFICATIONS_SWEEP_AFTER_SECONDS) in one conditional UPDATE; if
       nothing was claimed the email was sent, skipped, or is someone
       else's, and this call does nothing.
    2. Load, check (skip_reason) and render the message, and open the
       connection to the mail server. Any error here sent nothing: the row
       goes back to pending (failed, "not sent", after MAX_ATTEMPTS) and the
       error is re-raised for Celery's autoretry. If even that write fails
       (the database is down), the row stays claimed until its lease ends;
       then the sweep puts it back to pending.
    3. Mark it "sending", right before the backend call. From here on the
       message may have left.
    4. Send, then mark it sent. A mail server that answers "no" (an
       SMTPException other than a disconnect) took nothing: back to pending,
       as in 2. Any other failure inside the send (a disconnect, a timeout,
       a crash of the worker) may have delivered it: the row is marked
       failed, "may have been sent" (by the sweep when the worker died), and
       never sent again: never sending twice wins over always sending.

    *claimant* names the caller across its retries (the Celery task id): a
    retry takes back at once a claim of its own that a database error left
    behind, instead of waiting for the lease to end. Two runs of one task
    (a redelivered message) may share a claim, but only one of them can
    move it to "sending".
    """
    token = _claim(delivery_id, claimant)
    if token is None:
        _give_up_if_interrupted(delivery_id)
        return

    backend: BaseEmailBackend | None = None
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
            _finish(delivery_id, token, Delivery.Status.SKIPPED, reason)
            return
        message = notification_message(delivery)
        backend = get_connection()
        backend.open()  # connect and sign in: a failure here sent nothing
        if not _mark_sending(delivery_id, token):
            # The lease ended and the sweep or another worker took the row.
            _close_quietly(backend)
            return
    except Exception as error:
        _close_quietly(backend)
        _release(delivery_id, token, error)
        raise

    try:
        backend.send_messages([message])
    except Exception as error:
        _after_failed_send(delivery_id, token, error)
        raise
    finally:
        _close_quietly(backend)
    _record_sent(delivery_id, token)


def claim_lease() -> timedelta:
    """How long a claim lasts before the sweep may hand the row to another worker."""
    return timedelta(seconds=settings.NOTIFICATIONS_SWEEP_AFTER_SECONDS)


def send_lease() -> timedelta:
    """How long a send may take before the sweep calls it interrupted: the
    claim lease plus the mail server's timeout."""
    return claim_lease() + timedelta(seconds=settings.EMAIL_TIMEOUT or 60)


def release_expired_claims(now: datetime, limit: int) -> list[int]:
    """For the sweep: put email claims whose lease ended before *now* back to
    pending (at most *limit*; failed after MAX_ATTEMPTS) and return their ids
    to queue again; mark sends whose lease ended failed, "may have been sent".
    """
    ids = list(
        Delivery.objects.filter(
            channel=Delivery.Channel.EMAIL,
            status=Delivery.Status.CLAIMED,
            claimed_until__lt=now,
        ).values_list("pk", flat=True)[:limit]
    )
    if ids:
        Delivery.objects.filter(
            pk__in=ids, status=Delivery.Status.CLAIMED, claimed_until__lt=now
        ).update(
            status=_pending_or_failed(),
            detail=Case(
                When(
                    attempts__gte=MAX_ATTEMPTS,
                    then=Value(f"{NOT_SENT}: its worker stopped before sending"),
                ),
                default=Value("its worker stopped before sending; queued again"),
            ),
            claim_token=None,
            claimed_until=None,
            updated_at=now,
        )
    Delivery.objects.filter(
        channel=Delivery.Channel.EMAIL,
        status=Delivery.Status.SENDING,
        claimed_until__lt=now,
    ).update(
        status=Delivery.Status.FAILED,
        detail=_INTERRUPTED_DETAIL,
        updated_at=now,
    )
    return ids


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
        NotificationKind.IDEA_RESPONSE_DUE,
        NotificationKind.REVIEW_CLEARED,
        NotificationKind.FLAGGED,
        NotificationKind.REVIEW_REQUESTED,
        NotificationKind.APPEAL_CREATED,
        # insights: the report itself, rendered for the recipient at send time
        NotificationKind.INSIGHTS_WEEKLY,
        # groups
        NotificationKind.GROUP_APPLICATION,
        NotificationKind.GROUP_MEMBERSHIP,
        NotificationKind.GROUP_MENTIONED,
        NotificationKind.EXPERT_QUESTION,
        # recognition: what a brand's confirmation means for the member
        NotificationKind.ANSWER_CONFIRMED,
        # support: what the desk's status means for the asker
        NotificationKind.SUPPORT_STATUS,
        # conversations: the message stays on the site, only participants read it
        NotificationKind.PRIVATE_MESSAGE,
        # privacy: what the archive holds, and how long the link works
        NotificationKind.DATA_EXPORT,
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


_INTERRUPTED_DETAIL = f"{MAY_HAVE_BEEN_SENT}: interrupted while sending; not retried"


def claim_token_for(delivery_id: int, claimant: str | None) -> uuid.UUID:
    """The token a claim by *claimant* holds: the same on each of its
    retries; a fresh one for an anonymous caller."""
    if claimant is None:
        return uuid.uuid4()
    return uuid.uuid5(uuid.NAMESPACE_URL, f"hearth:email:{claimant}:{delivery_id}")


def _claim(delivery_id: int, claimant: str | None = None) -> uuid.UUID | None:
    """Take the row (pending, claimed under a lease that ended, or claimed
    by this claimant before) for this call; the token proves it later. None
    when it is not to be had."""
    now = timezone.now()
    token = claim_token_for(delivery_id, claimant)
    claimed = Delivery.objects.filter(
        Q(status=Delivery.Status.PENDING)
        | Q(status=Delivery.Status.CLAIMED, claimed_until__lt=now)
        | Q(status=Delivery.Status.CLAIMED, claim_token=token),
        pk=delivery_id,
        channel=Delivery.Channel.EMAIL,
    ).update(
        status=Delivery.Status.CLAIMED,
        claim_token=token,
        claimed_until=now + claim_lease(),
        attempts=F("attempts") + 1,
        # update() skips auto_now; the daily cap and the sweep read updated_at.
        updated_at=now,
    )
    return token if claimed else None


def _mark_sending(delivery_id: int, token: uuid.UUID) -> bool:
    now = timezone.now()
    return bool(
        Delivery.objects.filter(
            pk=delivery_id, claim_token=token, status=Delivery.Status.CLAIMED
        ).update(
            status=Delivery.Status.SENDING,
            claimed_until=now + send_lease(),
            updated_at=now,
        )
    )


def _pending_or_failed() -> Case:
    return Case(
        When(attempts__gte=MAX_ATTEMPTS, then=Value(Delivery.Status.FAILED)),
        default=Value(Delivery.Status.PENDING),
    )


def _release(
    delivery_id: int,
    token: uuid.UUID,
    error: Exception,
    status: str = Delivery.Status.CLAIMED,
) -> None:
    """Nothing was sent: the claimed row goes back to pending (failed, "not
    sent", after MAX_ATTEMPTS). If the database can't take even that, the
    row stays claimed and the sweep releases it when the lease ends."""
    described = _describe(error)

    def write() -> int:
        return Delivery.objects.filter(
            pk=delivery_id, claim_token=token, status=status
        ).update(
            status=_pending_or_failed(),
            detail=Case(
                When(
                    attempts__gte=MAX_ATTEMPTS,
                    then=Value(f"{NOT_SENT}: {described}"[:200]),
                ),
                default=Value(described[:200]),
            ),
            claim_token=None,
            claimed_until=None,
            updated_at=timezone.now(),
        )

    try:
        _on_database(write)
    except (OperationalError, InterfaceError) as db_error:
        logger.warning(
            "Email delivery %s: not sent (%s); left claimed until its lease ends: %s",
            delivery_id,
            described,
            db_error,
        )
        return
    logger.warning("Email delivery %s: not sent (%s).", delivery_id, described)


def _after_failed_send(delivery_id: int, token: uuid.UUID, error: Exception) -> None:
    if isinstance(error, SMTPException) and not isinstance(
        error, SMTPServerDisconnected
    ):
        # The mail server answered with a refusal: it took nothing.
        _release(delivery_id, token, error, Delivery.Status.SENDING)
        return
    detail = f"{MAY_HAVE_BEEN_SENT}: {_describe(error)}; not retried"
    Delivery.objects.filter(
        pk=delivery_id, claim_token=token, status=Delivery.Status.SENDING
    ).update(
        status=Delivery.Status.FAILED,
        detail=detail[:200],
        claimed_until=None,
        updated_at=timezone.now(),
    )
    logger.error("Email delivery %s: %s.", delivery_id, detail)


def _record_sent(delivery_id: int, token: uuid.UUID) -> None:
    """The message left: say so, trying through a short database outage.

    Also overrides the sweep's "may have been sent" if a slow send outlived
    its lease: this worker knows it was sent.
    """

    def write() -> int:
        return Delivery.objects.filter(
            pk=delivery_id,
            claim_token=token,
            status__in=[Delivery.Status.SENDING, Delivery.Status.FAILED],
        ).update(
            status=Delivery.Status.SENT,
            detail="",
            claimed_until=None,
            updated_at=timezone.now(),
        )

    for pause in RECORD_SENT_PAUSES:
        try:
            _on_database(write)
            return
        except (OperationalError, InterfaceError) as error:
            logger.warning(
                "Email delivery %s sent but not yet recorded: %s", delivery_id, error
            )
            time.sleep(pause)
    # Still down: the row stays "sending" and the sweep marks it failed,
    # "may have been sent", when the lease ends. It is never sent again.
    _on_database(write)


_T = TypeVar("_T")


def _on_database(write: Callable[[], _T]) -> _T:
    """Run *write*; if the connection broke under it, once more on a new one."""
    try:
        return write()
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block:
            raise
        connection.close()
        return write()


def _close_quietly(backend: BaseEmailBackend | None) -> None:
    """Close the mail connection. After a send, a failure here (QUIT
    refused) changes nothing: the message was accepted or not already."""
    if backend is None:
        return
    try:
        backend.close()
    except Exception as error:
        logger.warning("Closing the mail connection failed: %s", error)


def _give_up_if_interrupted(delivery_id: int) -> None:
    now = timezone.now()
    Delivery.objects.filter(
        pk=delivery_id, status=Delivery.Status.SENDING, claimed_until__lt=now
    ).update(
        status=Delivery.Status.FAILED,
        detail=_INTERRUPTED_DETAIL,
        updated_at=now,
    )


def _finish(delivery_id: int, token: uuid.UUID, status: str, detail: str) -> None:
    Delivery.objects.filter(
        pk=delivery_id, claim_token=token, status=Delivery.Status.CLAIMED
    ).update(
        status=status,
        detail=detail[:200],
        claimed_until=None,
        updated_at=timezone.now(),
    )


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"
