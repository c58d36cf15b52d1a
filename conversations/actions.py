"""Every write to private conversations (issue 23).

Each action asks the policy first and owns its transaction. Sending a
message writes a MESSAGE_SENT event; notifications.fanout tells the other
participants who have not left or muted the conversation and do not ignore
the author. Nothing here touches a public post.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role, TrustLevel
from conversations.models import (
    Conversation,
    Ignore,
    Message,
    MessageReport,
    Participant,
)
from forum.markup import MarkupError, render_post_body
from moderation.models import ModerationAction
from notifications.events import EventKind, MessageSent, emit
from permissions import policy
from permissions.policy import Perm

SUBJECT_MAX = 150
REASON_MAX = 500


def _render(body: str) -> str:
    try:
        return str(render_post_body(body))
    except MarkupError as exc:
        raise ValidationError(str(exc), code="body") from exc


def _label(author: User) -> str:
    if author.role == Role.BRAND_REP and author.brand is not None:
        return _("%(brand)s · peer resource") % {"brand": author.brand.name}
    if policy.is_admin(author):
        return _("Administrator")
    if policy.moderated_category_ids(author):
        return _("Moderator")
    return ""


def _check_daily_cap(actor: User, now: datetime) -> None:
    """New members (trust level 0 and 1) start a few conversations a day."""
    if actor.trust_level >= TrustLevel.MEMBER or policy.is_brand_rep(actor):
        return
    if policy.is_admin(actor) or policy.moderated_category_ids(actor):
        return
    cap = settings.CONVERSATIONS_NEW_MEMBER_DAILY
    started = Conversation.objects.filter(
        started_by=actor, created_at__gte=now - timedelta(days=1)
    ).count()
    if started >= cap:
        raise ValidationError(
            _(
                "New members can start %(cap)d conversations a day; you have "
                "reached it. Reply in an existing conversation, or try again "
                "tomorrow."
            )
            % {"cap": cap},
            code="daily_cap",
        )


def _add_message(
    actor: User, conversation: Conversation, body: str, now: datetime
) -> Message:
    message = Message.objects.create(
        conversation=conversation,
        author=actor,
        author_name=actor.name,
        author_label=_label(actor),
        body_source=body,
        body_html=_render(body),
        created_at=now,
    )
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now)
    Participant.objects.filter(conversation=conversation, user=actor).update(
        last_read_at=now
    )
    emit(
        EventKind.MESSAGE_SENT,
        MessageSent(conversation_id=conversation.pk, message_id=message.pk),
        actor=actor,
    )
    return message


def _first(actor: User, recipients: Sequence[User]) -> User:
    """The first person written to; a clear message when there is nobody."""
    for user in recipients:
        if user.pk != actor.pk:
            return user
    raise ValidationError(_("Choose at least one member to write to."), code="to")


def start_conversation(
    actor: User,
    recipients: Sequence[User],
    *,
    subject: str,
    body: str,
    about: ModerationAction | None = None,
    now: datetime | None = None,
) -> Conversation:
    """Start a conversation between *actor* and *recipients* with a first
    message. A brand representative may write first only to members with an
    open request or escalation with their brand (the policy says why not)."""
    policy.require(actor, Perm.START_CONVERSATION, _first(actor, recipients))
    now = now or timezone.now()
    people = {user.pk: user for user in recipients if user.pk != actor.pk}
    for recipient in people.values():
        policy.require(actor, Perm.START_CONVERSATION, recipient)
    if about is not None:
        policy.require(actor, Perm.WRITE_ABOUT_ACTION, about)
        if about.target_user_id not in people:
            raise ValidationError(
                _("Write about a moderation action to the member it concerns."),
                code="about",
            )
    limit = settings.CONVERSATIONS_MAX_PARTICIPANTS
    if len(people) + 1 > limit:
        raise ValidationError(
            _("A conversation has at most %(n)d people, you included.") % {"n": limit},
            code="to",
        )
    subject = subject.strip()
    if not subject:
        raise ValidationError(_("Give the conversation a subject."), code="subject")
    if len(subject) > SUBJECT_MAX:
        raise ValidationError(
            _("Keep the subject under %(n)d characters.") % {"n": SUBJECT_MAX},
            code="subject",
        )
    _render(body)  # refuse bad Markdown before anything is written
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()
        _check_daily_cap(actor, now)
        conversation = Conversation.objects.create(
            subject=subject,
            started_by=actor,
            moderation_action=about,
            created_at=now,
            last_message_at=now,
        )
        Participant.objects.bulk_create(
            [
                Participant(conversation=conversation, user_id=user_id, joined_at=now)
                for user_id in [actor.pk, *sorted(people)]
            ]
        )
        _add_message(actor, conversation, body, now)
    return conversation


def send_message(
    actor: User, conversation: Conversation, *, body: str, now: datetime | None = None
) -> Message:
    """Reply in a conversation *actor* is in."""
    policy.require(actor, Perm.REPLY_CONVERSATION, conversation)
    now = now or timezone.now()
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        policy.require(actor, Perm.REPLY_CONVERSATION, locked)
        return _add_message(actor, locked, body, now)


def delete_message(
    actor: User, message: Message, *, now: datetime | None = None
) -> None:
    """Delete one's own message: the others see "message deleted"; the words go."""
    policy.require(actor, Perm.DELETE_MESSAGE, message)
    Message.objects.filter(pk=message.pk, deleted_at__isnull=True).update(
        deleted_at=now or timezone.now(), body_source="", body_html=""
    )


def mark_conversation_read(
    actor: User, conversation: Conversation, *, now: datetime | None = None
) -> None:
    policy.require(actor, Perm.VIEW_CONVERSATION, conversation)
    Participant.objects.filter(conversation=conversation, user=actor).update(
        last_read_at=now or timezone.now()
    )


def set_conversation_muted(
    actor: User, conversation: Conversation, *, muted: bool
) -> None:
    """Mute (no notifications) or unmute a conversation one is in."""
    policy.require(actor, Perm.VIEW_CONVERSATION, conversation)
    Participant.objects.filter(conversation=conversation, user=actor).update(
        muted=muted
    )


def leave_conversation(
    actor: User, conversation: Conversation, *, now: datetime | None = None
) -> None:
    """Leave: no more notifications, and the conversation is no longer readable."""
    policy.require(actor, Perm.VIEW_CONVERSATION, conversation)
    Participant.objects.filter(conversation=conversation, user=actor).update(
        left_at=now or timezone.now()
    )


def report_message(
    actor: User, message: Message, *, reason: str, now: datetime | None = None
) -> MessageReport:
    """Show one message, and only it, to the administrators' report queue."""
    policy.require(actor, Perm.REPORT_MESSAGE, message)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say what is wrong with this message."), code="reason")
    if len(reason) > REASON_MAX:
        raise ValidationError(
            _("Keep the reason under %(n)d characters.") % {"n": REASON_MAX},
            code="reason",
        )
    if MessageReport.objects.filter(message=message, reporter=actor).exists():
        raise ValidationError(_("You already reported this message."), code="reason")
    return MessageReport.objects.create(
        message=message,
        reporter=actor,
        reason=reason,
        body_html=message.body_html,
        created_at=now or timezone.now(),
    )


def resolve_message_report(
    actor: User, report: MessageReport, *, now: datetime | None = None
) -> None:
    """An administrator marks a report dealt with."""
    policy.require(actor, Perm.VIEW_MESSAGE_REPORTS, None)
    MessageReport.objects.filter(pk=report.pk, resolved_at__isnull=True).update(
        resolved_at=now or timezone.now(), resolved_by=actor
    )


def ignore_member(
    actor: User, target: User, *, ignore: bool, now: datetime | None = None
) -> None:
    """Ignore (or stop ignoring) *target*: their messages and mentions stop
    reaching *actor*."""
    policy.require(actor, Perm.IGNORE_MEMBER, target)
    if ignore:
        Ignore.objects.get_or_create(
            user=actor, ignored=target, defaults={"created_at": now or timezone.now()}
        )
    else:
        Ignore.objects.filter(user=actor, ignored=target).delete()
