"""Demo data for escalations (demo/support.toml), called by seed_demo.

The brand's support desk, then each escalation made through the same action
a representative uses and its status history played back through the signed
callback a real desk sends (support.actions.receive_status_update).
"""

from __future__ import annotations

import json
import secrets
import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings

from accounts.models import Brand, User
from forum.models import Escalation, Topic
from support import actions
from support.models import SupportDesk, Ticket
from support.signing import sign

DATA = Path(settings.BASE_DIR) / "demo" / "support.toml"


def seed(now: datetime) -> str:
    """Seed the desk and escalations of demo/support.toml; a one-line summary."""
    data = tomllib.loads(DATA.read_text())
    desk_data = data["desk"]
    brand = Brand.objects.get(slug=desk_data["brand"])
    desk, _created = SupportDesk.objects.update_or_create(
        brand=brand,
        defaults={
            "name": desk_data.get("name", ""),
            "email": desk_data.get("email", ""),
            "webhook_url": desk_data.get("webhook_url", ""),
            # Made up here: the demo's desk is played back below, nothing
            # real holds this secret.
            "webhook_secret": secrets.token_urlsafe(32),
        },
    )
    updates = 0
    escalated = 0
    for item in data.get("escalations", []):
        topic = Topic.objects.filter(title=item["topic"]).first()
        if topic is None:
            continue
        escalation = _escalation(topic, item, now)
        escalated += 1
        for number, update in enumerate(item.get("updates", []), start=1):
            _play_back(desk, escalation, update, number, now)
            updates += 1
    return f"support: desk for {brand.name}, {escalated} escalation(s), {updates} status update(s)"


def _escalation(topic: Topic, item: dict[str, Any], now: datetime) -> Escalation:
    existing = Escalation.objects.filter(topic=topic).first()
    if existing is not None:
        return existing
    rep = User.objects.get(username=item["rep"])
    escalated_at = now - timedelta(hours=item.get("hours_ago", 0))
    escalation = actions.escalate_to_support(
        rep, topic, note=item.get("note", ""), now=escalated_at
    )
    # Backdated like the demo's posts, so the thread reads in order.
    Escalation.objects.filter(pk=escalation.pk).update(created_at=escalated_at)
    Ticket.objects.filter(escalation=escalation).update(created_at=escalated_at)
    return escalation


def _play_back(
    desk: SupportDesk,
    escalation: Escalation,
    update: dict[str, Any],
    number: int,
    now: datetime,
) -> None:
    at = now - timedelta(hours=update["hours_ago"])
    body = json.dumps(
        {
            "event_id": f"demo-{escalation.reference}-{number}",
            "reference": escalation.reference,
            "status": update["status"],
        }
    ).encode()
    timestamp = str(int(at.timestamp()))
    actions.receive_status_update(
        desk.brand.slug,
        timestamp=timestamp,
        signature=sign(desk.webhook_secret, timestamp, body),
        body=body,
        now=at,
    )
