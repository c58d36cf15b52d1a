"""Demo data for the read API and webhooks (issue 24), called by seed_demo.

The demo member holds one API token (made through the same action as the
settings page; its secret is thrown away, so the page shows it as created
and last used, never the secret). The demo administrators have one webhook
with a few logged deliveries of real demo events: the bodies are built by
the same code as live ones, and the attempts recorded as the task records
them (the receiver, hooks.example.org, does not exist: nothing is sent).
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta

from accounts.models import User
from api import actions
from api.models import ApiToken, Webhook, WebhookDelivery, WebhookEvent
from notifications.models import Event
from support.outbound import Outcome

# (attempts as (status code, error), hours before now of the first attempt)
_HISTORIES: list[list[tuple[int | None, str]]] = [
    [(200, "")],
    [(500, "HTTP 500: upstream timeout"), (200, "")],
    [(200, "")],
    [(None, "ConnectionRefusedError: [Errno 111] Connection refused"), (202, "")],
    [(200, "")],
]


def seed(now: datetime) -> str:
    member = User.objects.filter(username="member").first()
    tokens = 0
    if member is not None and not ApiToken.objects.filter(user=member).exists():
        token, _secret = actions.create_token(
            member, name="Espresso log sync", now=now - timedelta(days=19)
        )
        actions.touch_token(token, now - timedelta(hours=3))
        tokens = 1
    hook, _created = Webhook.objects.get_or_create(
        name="Community team chat",
        defaults={
            "url": "https://hooks.example.org/hearth/community",
            # Made up here: nothing real holds this secret.
            "secret": secrets.token_urlsafe(32),
            "events": [
                WebhookEvent.TOPIC_CREATED,
                WebhookEvent.ESCALATION_OPENED,
                WebhookEvent.IDEA_DECIDED,
            ],
        },
    )
    logged = 0
    if not hook.deliveries.exists():
        logged = _deliveries(hook, now)
    return f"api: {tokens} member token, webhook with {logged} logged deliveries"


def _deliveries(hook: Webhook, now: datetime) -> int:
    events = (
        Event.objects.filter(kind__in=list(actions.KIND_FOR_EVENT))
        .select_related("topic__category__parent", "post")
        .order_by("-pk")
    )
    made = 0
    for event in events:
        if made == len(_HISTORIES):
            break
        kind = actions.KIND_FOR_EVENT[event.kind]
        if kind not in hook.events:
            continue
        payload = actions.webhook_payload(event)
        if payload is None:
            continue
        at = now - timedelta(hours=2 + 5 * made)
        delivery = WebhookDelivery.objects.create(
            webhook=hook,
            event_id=event.pk,
            kind=kind,
            body=json.dumps(payload, sort_keys=True),
            created_at=at,
        )
        for number, (code, error) in enumerate(_HISTORIES[made]):
            ok = code is not None and 200 <= code < 300
            actions.record_attempt(
                delivery.pk,
                Outcome(delivered=ok, retryable=not ok, status_code=code, error=error),
                at + timedelta(seconds=4**number),
            )
        made += 1
    return made
