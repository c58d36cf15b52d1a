"""Demo data for private conversations (demo/conversations.toml), seeded by
seed_demo through the same actions members and representatives use (the
peer-resource rule included: a representative writes first only to a member
who asked their brand)."""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from accounts.models import User
from conversations import actions

DATA = Path(__file__).resolve().parents[2] / "demo" / "conversations.toml"


def seed(now: datetime) -> str:
    """Start the demo's conversations; return a one-line summary."""
    data: dict[str, Any] = tomllib.loads(DATA.read_text())
    users = {user.username: user for user in User.objects.all()}
    conversations = messages = 0
    for spec in data.get("conversation", []):
        first, *replies = spec["message"]
        started = now - timedelta(hours=spec["hours_ago"])
        conversation = actions.start_conversation(
            users[spec["starter"]],
            [users[name] for name in spec["to"]],
            subject=spec["subject"],
            body=first["body"],
            now=started,
        )
        conversations += 1
        messages += 1
        for reply in replies:
            actions.send_message(
                users[reply["author"]],
                conversation,
                body=reply["body"],
                now=now - timedelta(hours=reply["hours_ago"]),
            )
            messages += 1
    return f"Private conversations ({conversations}, {messages} messages)."
