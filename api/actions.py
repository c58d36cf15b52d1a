"""Writes for the read API and the outgoing webhooks (issue 24).

- ``create_token`` / ``revoke_token``: a member's own API tokens (settings).
- ``touch_token``: a token's last-used time, written at most once a minute.
- ``record_webhook_deliveries``: for the events of one dispatched outbox
  batch, one delivery per subscribed webhook, with its body fixed; public
  content only (see ``webhook_payload``).
- ``deliver_webhook``: one signed attempt (support.outbound, the client
  escalations use), recorded; the api.deliver_webhook task retries it with
  backoff.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from api import tokens
from api.models import (
    ApiToken,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEvent,
)
from forum.models import Escalation, Topic
from notifications.models import Event, EventKind
from permissions import policy
from permissions.policy import Perm
from support.outbound import Outcome, post_signed

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = 60
TOKENS_PER_MEMBER = 10
TOUCH_EVERY = timedelta(minutes=1)
# By name: an action must not import the tasks layer (api.tasks registers it).
DELIVER_TASK = "api.deliver_webhook"
USER_AGENT = "Hearth webhook"


class DeliveryFailed(Exception):
    """One attempt failed in a way a later one may not; the task retries."""


# --- Tokens ----------------------------------------------------------------------------------


def create_token(
    actor: User, *, name: str, now: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new read-only token for *actor*; returns it and its secret, which
    is shown once and never stored (only its hash is)."""
    policy.require(actor, Perm.MANAGE_API_TOKENS, None)
    name = name.strip()
    if not name:
        raise ValidationError(
            _("Name the token after what will use it, e.g. “Home dashboard”."),
            code="name",
        )
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            _("Keep the name under %(n)s characters.") % {"n": NAME_MAX_LENGTH},
            code="name",
        )
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()
        active = ApiToken.objects.filter(user=actor, revoked_at__isnull=True).count()
        if active >= TOKENS_PER_MEMBER:
            raise ValidationError(
                _("You have %(n)s tokens already: revoke one you no longer use.")
                % {"n": active},
                code="too_many",
            )
        secret = tokens.new_secret()
        token = ApiToken.objects.create(
            user=actor,
            name=name,
            prefix=tokens.shown_prefix(secret),
            key_hash=tokens.hash_secret(secret),
            created_at=now or timezone.now(),
        )
    return token, secret


def revoke_token(actor: User, token_id: int, *, now: datetime | None = None) -> None:
    """Revoke one of *actor*'s own tokens; someone else's is not found."""
    policy.require(actor, Perm.MANAGE_API_TOKENS, None)
    updated = ApiToken.objects.filter(
        pk=token_id, user=actor, revoked_at__isnull=True
    ).update(revoked_at=now or timezone.now())
    if not updated and not ApiToken.objects.filter(pk=token_id, user=actor).exists():
        raise ValidationError(_("There is no such token."), code="missing")


def touch_token(token: ApiToken, now: datetime) -> None:
    """Record that *token* was used: one UPDATE, which writes only when the
    last recorded use is over a minute old (so a busy token is not a write
    per request)."""
    ApiToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_EVERY),
        pk=token.pk,
    ).update(last_used_at=now)


# --- Webhooks: what goes out -----------------------------------------------------------------

# The outbox kinds a webhook may carry.
KIND_FOR_EVENT: dict[str, WebhookEvent] = {
    EventKind.TOPIC_CREATED: WebhookEvent.TOPIC_CREATED,
    EventKind.POST_CREATED: WebhookEvent.POST_CREATED,
    EventKind.TOPIC_ESCALATED: WebhookEvent.ESCALATION_OPENED,
    EventKind.IDEA_STATUS_SET: WebhookEvent.IDEA_DECIDED,
}


def _topic_json(topic: Topic) -> dict[str, Any]:
    return {
        "id": topic.pk,
        "title": topic.title,
        "url": settings.SITE_URL + topic.get_absolute_url(),
        "category": topic.category.slug,
        "author": topic.author_name,
        "created_at": topic.created_at.isoformat(),
    }


def webhook_payload(event: Event) -> dict[str, Any] | None:
    """The JSON one event carries, or None when it must not leave the site.

    Only what an anonymous visitor reads goes out: an event whose topic a
    visitor cannot see (a private or group category, a hidden or deleted
    topic) or whose post is hidden, pending review or removed is not sent,
    whatever the webhook subscribed to. The topic and post are read as
    they are now, when the event is dispatched.
    """
    kind = KIND_FOR_EVENT.get(event.kind)
    topic = event.topic
    if kind is None or topic is None:
        return None
    visitor = AnonymousUser()
    if not policy.can(visitor, Perm.VIEW_TOPIC, topic):
        return None
    data: dict[str, Any] = {
        "type": str(kind),
        "event_id": event.pk,
        "occurred_at": event.created_at.isoformat(),
        "topic": _topic_json(topic),
    }
    if kind == WebhookEvent.POST_CREATED:
        post = event.post
        if (
            post is None
            or post.is_hidden
            or post.pending_review
            or post.removed_at is not None
            or post.deleted_at is not None
        ):
            return None
        data["post"] = {
            "id": post.pk,
            "number": post.number,
            "url": settings.SITE_URL + topic.get_post_url(post.number),
            "author": post.author_name,
            "author_role": post.author_role,
            "body_markdown": post.body_source,
            "created_at": post.created_at.isoformat(),
        }
    elif kind == WebhookEvent.ESCALATION_OPENED:
        escalation = (
            Escalation.objects.filter(pk=event.payload.get("escalation_id"))
            .select_related("brand")
            .first()
        )
        if escalation is None:
            return None
        # The public fact ("escalated to Brevetto support"); the reference
        # and the note are the member's and the desk's, not the public's.
        data["escalation"] = {"brand": escalation.brand.slug}
    elif kind == WebhookEvent.IDEA_DECIDED:
        data["idea"] = {
            "status": topic.idea_status,
            "status_label": topic.get_idea_status_display(),
        }
    return data


def record_webhook_deliveries(
    events: Sequence[Event], *, now: datetime | None = None
) -> list[int]:
    """Create the deliveries for *events* (one dispatched outbox batch) to
    every active webhook subscribed to their kind, and queue them after
    commit. Idempotent per (webhook, event): a batch dispatched again adds
    nothing; events older than a webhook are not sent to it. A system step
    run by notifications.dispatch_event; returns the new deliveries' ids."""
    kinds = {KIND_FOR_EVENT[e.kind] for e in events if e.kind in KIND_FOR_EVENT}
    if not kinds:
        return []
    hooks = [
        hook
        for hook in Webhook.objects.filter(is_active=True)
        if kinds & set(hook.events)
    ]
    if not hooks:
        return []
    now = now or timezone.now()
    made: list[WebhookDelivery] = []
    for event in events:
        kind = KIND_FOR_EVENT.get(event.kind)
        # A webhook hears of events from its creation on: a sweep that
        # re-dispatches an old event sends no backlog to a new receiver.
        subscribed = [
            hook
            for hook in hooks
            if kind in hook.events and hook.created_at <= event.created_at
        ]
        if kind is None or not subscribed:
            continue
        payload = webhook_payload(event)
        if payload is None:
            continue
        body = json.dumps(payload, sort_keys=True)
        for hook in subscribed:
            made.append(
                WebhookDelivery(
                    webhook=hook,
                    event_id=event.pk,
                    kind=kind,
                    body=body,
                    created_at=now,
                )
            )
    WebhookDelivery.objects.bulk_create(made, ignore_conflicts=True)
    # ignore_conflicts leaves pk unset: read back what this batch owns.
    ids = list(
        WebhookDelivery.objects.filter(
            event_id__in=[e.pk for e in events],
            status=WebhookDeliveryStatus.PENDING,
            attempts=0,
        ).values_list("pk", flat=True)
    )
    for delivery_id in ids:
        transaction.on_commit(partial(enqueue_delivery, delivery_id), robust=True)
    return ids


def enqueue_delivery(delivery_id: int) -> None:
    """Queue the delivery task (after commit); a broker that is down leaves
    it pending for the sweep."""
    try:
        current_app.signature(DELIVER_TASK, args=(delivery_id,)).delay()
    except Exception:
        logger.warning("Could not enqueue webhook delivery %s.", delivery_id)


def deliver_webhook(delivery_id: int, *, now: datetime | None = None) -> str:
    """One signed attempt at delivery *delivery_id*, recorded; returns its
    status. Raises DeliveryFailed when another attempt may succeed (the task
    retries with backoff); marks it failed after WEBHOOK_MAX_ATTEMPTS or
    when the receiver refused it (a 4xx). A system step: nobody acts."""
    delivery = (
        WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    )
    if delivery is None or delivery.status != WebhookDeliveryStatus.PENDING:
        return delivery.status if delivery is not None else "missing"
    hook = delivery.webhook
    if not hook.is_active:
        outcome = Outcome(
            delivered=False, retryable=False, error="The webhook was switched off."
        )
    else:
        outcome = post_signed(
            hook.url,
            hook.secret,
            delivery.body.encode(),
            timestamp=int((now or timezone.now()).timestamp()),
            event=delivery.kind,
            idempotency_key=str(delivery.idempotency_key),
            timeout=settings.WEBHOOK_TIMEOUT,
            user_agent=USER_AGENT,
        )
    status = record_attempt(delivery_id, outcome, now or timezone.now())
    if status == WebhookDeliveryStatus.PENDING:
        raise DeliveryFailed(outcome.error)
    return status


def record_attempt(delivery_id: int, outcome: Outcome, now: datetime) -> str:
    """Record one attempt and what it means for the delivery; its status."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        delivery.attempts += 1
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            at=now,
            status_code=outcome.status_code,
            error=outcome.error[:500],
        )
        delivery.last_attempt_at = now
        delivery.last_status_code = outcome.status_code
        if delivery.status != WebhookDeliveryStatus.PENDING:
            pass  # another worker finished it meanwhile
        elif outcome.delivered:
            delivery.status = WebhookDeliveryStatus.DELIVERED
            delivery.delivered_at = now
            delivery.last_error = ""
        else:
            delivery.last_error = outcome.error[:500]
            if (
                not outcome.retryable
                or delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS
            ):
                delivery.status = WebhookDeliveryStatus.FAILED
        delivery.save()
    return delivery.status


def send_again(actor: User, delivery_ids: list[int]) -> int:
    """An administrator queues undelivered deliveries again."""
    policy.require(actor, Perm.ACCESS_ADMIN, None)
    with transaction.atomic():
        ids = list(
            WebhookDelivery.objects.select_for_update()
            .filter(pk__in=delivery_ids)
            .exclude(status=WebhookDeliveryStatus.DELIVERED)
            .values_list("pk", flat=True)
        )
        WebhookDelivery.objects.filter(pk__in=ids).update(
            status=WebhookDeliveryStatus.PENDING
        )
        for delivery_id in ids:
            transaction.on_commit(partial(enqueue_delivery, delivery_id), robust=True)
    return len(ids)


def stale_deliveries(now: datetime) -> list[int]:
    """Pending deliveries not tried for ten minutes (their task was lost)."""
    cutoff = now - timedelta(minutes=10)
    return list(
        WebhookDelivery.objects.filter(status=WebhookDeliveryStatus.PENDING)
        .filter(
            Q(last_attempt_at__lt=cutoff)
            | Q(last_attempt_at__isnull=True, created_at__lt=cutoff)
        )
        .values_list("pk", flat=True)[:500]
    )
