from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from elsewhere import actions
from elsewhere.models import Source
from tests.elsewhere.server import FeedServer
from tests.factories import make_admin


@pytest.fixture
def feeds(settings) -> Iterator[FeedServer]:
    """The feed server, and the setting that lets tests fetch from 127.0.0.1."""
    settings.ELSEWHERE_ALLOW_PRIVATE_ADDRESSES = True
    settings.ELSEWHERE_FETCH_TIMEOUT = 2
    running = FeedServer()
    yield running
    running.close()


@pytest.fixture
def admin_user(db):
    return make_admin("admin")


@pytest.fixture
def register(admin_user):
    def _register(
        feed_url: str = "https://feeds.example/rss",
        *,
        name: str = "Espresso Underground",
        now: datetime | None = None,
        **fields,
    ) -> Source:
        now = now or timezone.now()
        values: dict[str, Any] = {
            "name": name,
            "site_url": "https://espresso-underground.example/",
            "feed_url": feed_url,
            "contact_email": "owner@espresso-underground.example",
            "requested_by": "Ines (forum owner)",
            "requested_at": now - timedelta(days=2),
            "request_note": "Ines asked in the forum's announcement thread.",
            "request_link": "https://espresso-underground.example/t/listing",
            "send_link": False,
            "now": now,
        }
        values.update(fields)
        return actions.register_source(admin_user, **values)

    return _register
