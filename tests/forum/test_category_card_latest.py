"""A category card's "Latest" names only a topic everyone may see.

The stored pointer (Category.last_topic) follows posting, and resync_counters
sets it after an import to the newest live topic, which an imported forum may
have hidden (no action of Hearth's hides a whole topic; the importer and a
database edit do).
Home and a parent category's subcategory cards must then name the newest topic
still public, for visitors, members and moderators alike.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from forum.models import Topic
from tests.factories import make_category, make_moderator, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def cards(other_member, django_capture_on_commit_callbacks):
    parent = make_category("Workshop", slug="workshop")
    child = make_category("Grinders", slug="grinders", parent=parent)
    with django_capture_on_commit_callbacks(execute=True):
        older = make_topic(child, other_member, title="Burr alignment by ear")
        newest = make_topic(child, other_member, title="Quarrel about the refund desk")
    Topic.objects.filter(pk=older.pk).update(
        last_posted_at=timezone.now() - dt.timedelta(hours=2)
    )
    child.refresh_from_db()
    assert child.last_topic_id == newest.pk
    return {"parent": parent, "child": child, "older": older, "newest": newest}


def _cards(page: str) -> str:
    """The category cards of a page (a moderator also sees hidden topics in its
    topic list: the policy lets them; the cards are the same for everyone)."""
    return "".join(
        re.findall(
            r'<li class="category-card.*?class="category-card-activity.*?</p>',
            page,
            re.S,
        )
    )


def _pages(cards):
    return ("/", cards["parent"].get_absolute_url())


def _hide_as_imported(topic: Topic) -> None:
    Topic.objects.filter(pk=topic.pk).update(is_hidden=True)
    cache.clear()  # an import ends by dropping every cached page


def test_a_hidden_latest_topic_leaves_every_card(cards, member, client):
    moderator = make_moderator(cards["child"], "mod_mara")
    mod_client = Client()
    mod_client.force_login(moderator)
    member_client = Client()
    member_client.force_login(member)
    for url in _pages(cards):
        assert "Quarrel about the refund desk" in client.get(url).text, url

    _hide_as_imported(cards["newest"])

    for who in (client, member_client, mod_client):
        for url in _pages(cards):
            page = _cards(who.get(url).text)
            assert page, url
            assert "Quarrel about the refund desk" not in page, url
            assert "Burr alignment by ear" in page, url  # the newest public one


def test_a_card_with_only_hidden_or_deleted_topics_says_no_topics(cards, client):
    _hide_as_imported(cards["newest"])
    Topic.objects.filter(pk=cards["older"].pk).update(deleted_at=timezone.now())

    page = _cards(client.get(cards["parent"].get_absolute_url()).text)
    assert "Quarrel about the refund desk" not in page
    assert "Burr alignment by ear" not in page
    assert "No topics yet" in page


def test_stale_pointers_cost_one_query_for_all_cards(cards, client, member, settings):
    """However many cards point at hidden topics, their replacements are one query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.ANON_CACHE_SECONDS = 0
    url = cards["parent"].get_absolute_url()
    with CaptureQueriesContext(connection) as fresh:
        client.get(url)
    _hide_as_imported(cards["newest"])
    for n in range(3):
        extra = make_category(f"Extra {n}", slug=f"extra-{n}", parent=cards["parent"])
        _hide_as_imported(make_topic(extra, member, title=f"Hidden {n}"))
    with CaptureQueriesContext(connection) as stale:
        client.get(url)
    assert len(stale) == len(fresh) + 1
