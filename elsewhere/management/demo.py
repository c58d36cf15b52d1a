"""Demo data for Elsewhere in the community (demo/elsewhere.toml).

Called from seed_demo: registers each community through the same action an
administrator uses (with its opt-in record, no email sent), stores its links
through the fetcher's own storing step (no network) and, if the file says
so, turns the highlights feed on.
"""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings

from accounts.models import User
from elsewhere import actions
from elsewhere.parse import Entry
from forum.models import Category

DATA = Path(settings.BASE_DIR) / "demo" / "elsewhere.toml"


def seed(now: datetime) -> str:
    data = tomllib.loads(DATA.read_text())
    admin = User.objects.get(username="admin")
    items = 0
    sources = data.get("sources", [])
    for source_data in sources:
        source = actions.register_source(
            admin,
            name=source_data["name"],
            site_url=source_data["site_url"],
            feed_url=source_data["feed_url"],
            description=source_data.get("description", ""),
            contact_email=source_data["contact_email"],
            categories=Category.objects.filter(slug__in=source_data["categories"]),
            requested_by=source_data["requested_by"],
            requested_at=now - timedelta(days=source_data["requested_days_ago"]),
            request_note=source_data["request_note"],
            request_link=source_data["request_link"],
            send_link=False,
            now=now,
        )
        entries = [
            Entry(
                guid=item["url"],
                url=item["url"],
                title=item["title"],
                author=item.get("author", ""),
                published=now - timedelta(hours=item["hours_ago"]),
                excerpt=item.get("excerpt", "")[:300],
            )
            for item in source_data.get("items", [])
        ]
        items += actions.store_items(source, entries, now=now)
    if data.get("highlights_feed"):
        actions.set_highlights_feed(admin, enabled=True, now=now)
    return f"elsewhere: {len(sources)} listed communities, {items} links" + (
        ", highlights feed on" if data.get("highlights_feed") else ""
    )
