"""Escalating a topic to its brand's support desk, handing it over, and the
desk's status updates coming back (issue 18).

- ``escalate_to_support`` (a representative or an admin) records the
  escalation and its ticket, once per topic, and schedules the delivery.
- ``deliver_escalation`` (the support.deliver_escalation task) makes one
  attempt by email or signed webhook and records it; a failure the desk may
  recover from raises DeliveryFailed so the task retries with backoff.
- ``receive_status_update`` (the callback view) checks the desk's signature,
  timestamp and event id, then shows the new status in the thread and tells
  the asker. It refuses anything else with CallbackRefused and changes nothing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from accounts.models import Brand, User
from accounts.roles import Role
from forum.cache import bump_on_commit
from forum.models import Escalation, Topic
from notifications.events import (
    EventKind,
    SupportStatusChanged,
    TopicEscalated,
    emit,
)
from permissions import policy
from permissions.policy import Perm
from support.models import (
    DESK_STATUSES,
    Backend,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    StatusUpdate,
    SupportDesk,
    Ticket,
    TicketStatus,
)
from support.outbound import post_signed
from support.signing import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify,
)

logger = logging.getLogger(__name__)

NOTE_MAX_LENGTH = 500
# By name: an action must not import the tasks layer (support.tasks registers it).
DELIVER_TASK = "support.deliver_escalation"
OUTBOUND_EVENT = "escalation.created"
MAX_CALLBACK_BYTES = 64 * 1024
USER_AGENT = "Hearth support webhook"


class DeliveryFailed(Exception):
    """One delivery attempt failed in a way a later attempt may not
    (a 5xx, a timeout, a refused connection); the task retries it."""


# --- Escalating ----------------------------------------------------------------------------


def escalate_to_support(
    actor: User,
    topic: Topic,
    *,
    brand: Brand | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Escalation:
    """Hand *topic* to the brand's formal support, once.

    The topic shows a public "escalated to <Brand> support" note; the member
    who asked gets a private notice with the support link and a reference;
    the ticket goes to the desk by the configured backend (ESCALATION_BACKEND)
    after commit. Nothing is removed or hidden. A topic already escalated is
    refused (ValidationError) with its reference and status.
    """
    policy.require(actor, Perm.ESCALATE_TO_SUPPORT, topic)
    brand = actor.brand if actor.role == Role.BRAND_REP else brand
    if brand is None:
        raise ValidationError(_("Choose the brand whose support takes this over."))
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(_("Keep the note under 500 characters."), code="note")
    now = now or timezone.now()
    backend = Backend(settings.ESCALATION_BACKEND)
    with transaction.atomic():
        locked = Topic.objects.select_for_update().get(pk=topic.pk)
        policy.require(actor, Perm.ESCALATE_TO_SUPPORT, locked)
        existing = (
            Escalation.objects.filter(topic=locked)
            .select_related("brand", "ticket")
            .first()
        )
        if existing is not None:
            raise ValidationError(
                already_escalated(existing, actor), code="already_escalated"
            )
        escalation = Escalation.objects.create(
            topic=locked,
            brand=brand,
            escalated_by=actor,
            member_id=locked.author_id,
            reference=_new_reference(brand),
            note=note,
        )
        Topic.objects.filter(pk=locked.pk).update(escalated_to=brand)
        topic.escalated_to = brand
        ticket = Ticket.objects.create(
            escalation=escalation, backend=backend, created_at=now
        )
        if backend != Backend.NONE:
            desk = SupportDesk.objects.filter(brand=brand).first()
            delivery = Delivery.objects.create(
                ticket=ticket,
                channel=backend,
                target=_target(desk, backend),
                created_at=now,
            )
            transaction.on_commit(partial(enqueue_delivery, delivery.pk), robust=True)
        emit(
            EventKind.TOPIC_ESCALATED,
            TopicEscalated(
                escalation_id=escalation.pk,
                user_ids=[locked.author_id] if locked.author_id else [],
            ),
            actor=actor,
            topic=locked,
        )
        bump_on_commit()
    return escalation


def already_escalated(escalation: Escalation, viewer: User) -> str:
    """The refusal a second escalation gets; the reference only for an admin
    or a representative of the brand it went to (it is the member's)."""
    ticket = getattr(escalation, "ticket", None)
    status = ticket.get_status_display() if ticket else TicketStatus.AWAITING.label
    values = {"brand": escalation.brand.name, "status": status}
    if viewer.role == Role.ADMIN or viewer.brand_id == escalation.brand_id:
        return _(
            "This topic was already escalated to %(brand)s support (reference "
            "%(reference)s, status: %(status)s). Follow it up with the support "
            "desk instead of escalating again."
        ) % {**values, "reference": escalation.reference}
    return (
        _(
            "This topic was already escalated to %(brand)s support (status: "
            "%(status)s). A topic is escalated once."
        )
        % values
    )


def _new_reference(brand: Brand) -> str:
    prefix = "".join(ch for ch in brand.slug.upper() if ch.isalnum())[:4] or "HRTH"
    while True:
        reference = (
            f"{prefix}-{get_random_string(6, 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789')}"
        )
        if not Escalation.objects.filter(reference=reference).exists():
            return reference


def _target(desk: SupportDesk | None, backend: Backend) -> str:
    if desk is None:
        return ""
    return desk.email if backend == Backend.EMAIL else desk.webhook_url


def enqueue_delivery(delivery_id: int) -> None:
    """Queue the delivery task (after commit). A broker that is down leaves
    the delivery pending; the beat sweep queues it again."""
    try:
        current_app.signature(DELIVER_TASK, args=(delivery_id,)).delay()
    except Exception:
        logger.warning("Could not enqueue delivery %s; the sweep will.", delivery_id)


def send_again(actor: User, delivery_ids: list[int]) -> int:
    """An administrator queues undelivered deliveries again (failed ones after
    fixing the desk's address, say, or pending ones on a site without a
    worker); the same idempotency key goes with them. Returns how many were
    queued."""
    policy.require(actor, Perm.ACCESS_ADMIN, None)
    with transaction.atomic():
        failed = list(
            Delivery.objects.select_for_update()
            .filter(pk__in=delivery_ids)
            .exclude(status=DeliveryStatus.DELIVERED)
            .values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=failed).update(status=DeliveryStatus.PENDING)
        for delivery_id in failed:
            transaction.on_commit(partial(enqueue_delivery, delivery_id), robust=True)
    return len(failed)


# --- Handing over: one attempt ---------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    delivered: bool
    retryable: bool
    status_code: int | None = None
    error: str = ""
    desk_ticket_id: str = ""


def deliver_escalation(delivery_id: int, *, now: datetime | None = None) -> str:
    """Make one attempt at handing delivery *delivery_id* to the desk and
    record it; return the delivery's status afterwards.

    A system step run by the support.deliver_escalation task for an
    escalation a representative made (nobody acts here). Idempotent: a
    delivery no longer pending is left alone, and every webhook attempt
    carries the ticket's idempotency key. Raises DeliveryFailed when the
    attempt failed and another may succeed (the task retries with backoff);
    after SUPPORT_DELIVERY_MAX_ATTEMPTS, or when the desk refused the
    request (a 4xx) or is not set up, the delivery is marked failed.
    """
    delivery = (
        Delivery.objects.select_related(
            "ticket__escalation__topic__category",
            "ticket__escalation__brand",
            "ticket__escalation__escalated_by",
        )
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return delivery.status if delivery is not None else "missing"
    desk = SupportDesk.objects.filter(brand=delivery.ticket.escalation.brand).first()
    if delivery.channel == Backend.WEBHOOK:
        outcome = _post_webhook(desk, delivery.ticket, now or timezone.now())
    else:
        outcome = _send_email(desk, delivery.ticket)
    status = _record(delivery_id, outcome, now or timezone.now())
    if status == DeliveryStatus.PENDING:
        raise DeliveryFailed(outcome.error)
    return status


def _record(delivery_id: int, outcome: _Outcome, now: datetime) -> str:
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        delivery.attempts += 1
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            at=now,
            status_code=outcome.status_code,
            error=outcome.error[:500],
        )
        delivery.last_attempt_at = now
        delivery.last_status_code = outcome.status_code
        if delivery.status != DeliveryStatus.PENDING:
            pass  # another worker finished it meanwhile: keep its result
        elif outcome.delivered:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
            delivery.last_error = ""
            if outcome.desk_ticket_id:
                Ticket.objects.filter(pk=delivery.ticket_id).update(
                    desk_ticket_id=outcome.desk_ticket_id[:100]
                )
        else:
            delivery.last_error = outcome.error[:500]
            if (
                not outcome.retryable
                or delivery.attempts >= settings.SUPPORT_DELIVERY_MAX_ATTEMPTS
            ):
                delivery.status = DeliveryStatus.FAILED
        delivery.save()
    return delivery.status


def outbound_payload(ticket: Ticket) -> dict[str, Any]:
    """The JSON an escalation's webhook carries (README, "Support desk
    webhooks"): what the asker posted publicly, nothing private."""
    escalation = ticket.escalation
    topic = escalation.topic
    rep = escalation.escalated_by
    return {
        "type": OUTBOUND_EVENT,
        "idempotency_key": str(ticket.idempotency_key),
        "reference": escalation.reference,
        "brand": escalation.brand.slug,
        "created_at": ticket.created_at.isoformat(),
        "topic": {
            "id": topic.pk,
            "title": topic.title,
            "url": settings.SITE_URL + topic.get_absolute_url(),
            "category": topic.category.name,
        },
        "asker": {"public_name": topic.author_name},
        "escalated_by": {
            "public_name": rep.name if rep is not None else "",
            "role": rep.role if rep is not None else "",
        },
        "note": escalation.note,
        "callback_url": settings.SITE_URL
        + reverse("support:desk_callback", args=[escalation.brand.slug]),
    }


def _post_webhook(desk: SupportDesk | None, ticket: Ticket, now: datetime) -> _Outcome:
    if desk is None or not desk.webhook_url or not desk.webhook_secret:
        return _Outcome(
            delivered=False,
            retryable=False,
            error=_("%(brand)s has no support desk webhook URL and secret set.")
            % {"brand": ticket.escalation.brand.name},
        )
    body = json.dumps(outbound_payload(ticket), sort_keys=True).encode()
    sent = post_signed(
        desk.webhook_url,
        desk.webhook_secret,
        body,
        timestamp=int(now.timestamp()),
        event=OUTBOUND_EVENT,
        idempotency_key=str(ticket.idempotency_key),
        timeout=settings.SUPPORT_WEBHOOK_TIMEOUT,
        user_agent=USER_AGENT,
    )
    return _Outcome(
        delivered=sent.delivered,
        retryable=sent.retryable,
        status_code=sent.status_code,
        error=sent.error,
        desk_ticket_id=_desk_ticket_id(sent.answer) if sent.delivered else "",
    )


def _desk_ticket_id(answer: bytes) -> str:
    try:
        data = json.loads(answer)
    except ValueError:
        return ""
    ticket_id = data.get("ticket_id") if isinstance(data, dict) else None
    return str(ticket_id)[:100] if isinstance(ticket_id, str | int) else ""


def escalation_email(ticket: Ticket, desk: SupportDesk) -> EmailMessage:
    """The structured message the email backend sends the desk."""
    escalation = ticket.escalation
    context = {
        "payload": outbound_payload(ticket),
        "desk": desk,
        "site_name": settings.SITE_NAME,
        "brand": escalation.brand,
    }
    subject = _("[%(site)s] Escalation %(reference)s: %(title)s") % {
        "site": settings.SITE_NAME,
        "reference": escalation.reference,
        "title": escalation.topic.title,
    }
    return EmailMessage(
        subject=subject[:200],
        body=render_to_string("support/email/escalation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[desk.email],
        headers={
            "X-Hearth-Reference": escalation.reference,
            IDEMPOTENCY_HEADER: str(ticket.idempotency_key),
        },
    )


def _send_email(desk: SupportDesk | None, ticket: Ticket) -> _Outcome:
    if desk is None or not desk.email:
        return _Outcome(
            delivered=False,
            retryable=False,
            error=_("%(brand)s has no support desk email address set.")
            % {"brand": ticket.escalation.brand.name},
        )
    try:
        escalation_email(ticket, desk).send()
    except (OSError, ConnectionError) as error:
        return _Outcome(
            delivered=False, retryable=True, error=f"{type(error).__name__}: {error}"
        )
    return _Outcome(delivered=True, retryable=False)


# --- Status updates from the desk ------------------------------------------------------------


class CallbackRefused(Exception):
    """A status callback Hearth did not accept; nothing was changed. *status*
    is the HTTP status to answer, *code* a stable machine-readable reason."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CallbackAccepted:
    reference: str
    status: str
    changed: bool


def receive_status_update(
    brand_slug: str,
    *,
    timestamp: str,
    signature: str,
    body: bytes,
    now: datetime | None = None,
) -> CallbackAccepted:
    """Apply a support desk's signed status update, or refuse it.

    A system action authenticated by the desk's HMAC signature, not by a
    member (no session, no policy question: the signature is the only
    credential). Checks, in order: a desk with a secret for *brand_slug*;
    the signature headers; the timestamp within
    SUPPORT_CALLBACK_WINDOW_SECONDS of *now*; the signature over timestamp
    and body; well-formed JSON with event_id, reference and status; an event
    id not seen before from this desk; a reference of this brand. Any
    failure raises CallbackRefused and changes nothing. An accepted change
    shows in the thread as "<Desk>: <status>" and tells the asker.
    """
    now = now or timezone.now()
    desk = (
        SupportDesk.objects.select_related("brand")
        .filter(brand__slug=brand_slug)
        .exclude(webhook_secret="")
        .first()
    )
    if desk is None:
        raise CallbackRefused(
            404, "unknown_desk", "No support desk takes callbacks at this address."
        )
    if not timestamp or not signature:
        raise CallbackRefused(
            403,
            "missing_signature",
            f"Send {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers.",
        )
    try:
        sent = int(timestamp)
    except ValueError:
        raise CallbackRefused(
            403, "bad_timestamp", f"{TIMESTAMP_HEADER} must be Unix seconds."
        ) from None
    window = settings.SUPPORT_CALLBACK_WINDOW_SECONDS
    if abs(now.timestamp() - sent) > window:
        raise CallbackRefused(
            403,
            "stale_timestamp",
            f"The timestamp is more than {window} seconds from Hearth's clock.",
        )
    if not verify(desk.webhook_secret, timestamp, body, signature):
        raise CallbackRefused(
            403, "bad_signature", "The signature does not match the body and secret."
        )
    event_id, reference, status, desk_ticket_id = _parse_update(body)
    sent_at = datetime.fromtimestamp(sent, tz=timezone.get_current_timezone())
    try:
        with transaction.atomic():
            if StatusUpdate.objects.filter(desk=desk, event_id=event_id).exists():
                raise CallbackRefused(
                    409, "replayed_event", "This event id was already received."
                )
            ticket = (
                Ticket.objects.select_for_update()
                .select_related("escalation__topic")
                .filter(
                    escalation__reference=reference, escalation__brand_id=desk.brand_id
                )
                .first()
            )
            if ticket is None:
                raise CallbackRefused(
                    404, "unknown_reference", "No escalation has this reference."
                )
            if desk_ticket_id and not ticket.desk_ticket_id:
                ticket.desk_ticket_id = desk_ticket_id
                ticket.save(update_fields=["desk_ticket_id"])
            if ticket.status == status:
                return CallbackAccepted(reference, status, changed=False)
            ticket.status = status
            ticket.status_changed_at = now
            ticket.save(update_fields=["status", "status_changed_at"])
            update = StatusUpdate.objects.create(
                ticket=ticket,
                desk=desk,
                event_id=event_id,
                status=status,
                sent_at=sent_at,
                received_at=now,
            )
            escalation = ticket.escalation
            asker = escalation.member_id or escalation.topic.author_id
            emit(
                EventKind.SUPPORT_STATUS_CHANGED,
                SupportStatusChanged(
                    update_id=update.pk,
                    status=status,
                    note=status_note(desk, status),
                    user_ids=[asker] if asker else [],
                ),
                topic=escalation.topic,
            )
            bump_on_commit()
    except IntegrityError:  # the same event id, accepted concurrently
        raise CallbackRefused(
            409, "replayed_event", "This event id was already received."
        ) from None
    return CallbackAccepted(reference, status, changed=True)


def status_note(desk: SupportDesk, status: str) -> str:
    """The public line for a status: "Brevetto support: resolved"."""
    return f"{desk.display_name}: {TicketStatus(status).label}"


def _parse_update(body: bytes) -> tuple[str, str, str, str]:
    if len(body) > MAX_CALLBACK_BYTES:
        raise CallbackRefused(413, "too_large", "The body is over 64 KiB.")
    try:
        data = json.loads(body)
    except ValueError:
        raise CallbackRefused(
            400, "malformed_json", "The body is not valid JSON."
        ) from None
    if not isinstance(data, dict):
        raise CallbackRefused(400, "malformed_json", "The body must be a JSON object.")
    values = []
    for field in ("event_id", "reference", "status"):
        value = data.get(field)
        if not isinstance(value, str) or not value.strip() or len(value) > 100:
            raise CallbackRefused(
                400,
                "invalid_field",
                f"{field} must be a non-empty string of at most 100 characters.",
            )
        values.append(value.strip())
    event_id, reference, status = values
    if status not in DESK_STATUSES:
        raise CallbackRefused(
            400,
            "invalid_status",
            "status must be one of: " + ", ".join(str(s) for s in DESK_STATUSES) + ".",
        )
    ticket_id = data.get("ticket_id")
    if ticket_id is None:
        ticket_id = ""
    if not isinstance(ticket_id, str | int) or isinstance(ticket_id, bool):
        raise CallbackRefused(400, "invalid_field", "ticket_id must be a string.")
    return event_id, reference, status, str(ticket_id)[:100]
