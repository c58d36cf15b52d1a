"""A category card's "Latest" names only a topic everyone may see.

The stored pointer (Category.last_topic) names the newest *public* topic: the
posting, deleting and moving actions keep it so, and resync_counters (the end of
every import) recomputes it. No action of Hearth's hides a whole topic; an import
or a database edit does. A pointer left naming a hidden or deleted topic by such
an edit is dropped when the card is read, without a query.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forum import actions
from forum.models import Category, Topic
from tests.factories import make_category, make_moderator, make_topic

pytestmark = pytest.mark.django_db

QUARREL = "Quarrel about the refund desk"
BURRS = "Burr alignment by ear"


@pytest.fixture
def cards(other_member, django_capture_on_commit_callbacks):
    parent = make_category("Workshop", slug="workshop")
    child = make_category("Grinders", slug="grinders", parent=parent)
    with django_capture_on_commit_callbacks(execute=True):
        older = make_topic(child, other_member, title=BURRS)
        newest = make_topic(child, other_member, title=QUARREL)
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


def _hide_behind_the_actions(topic: Topic) -> None:
    """What an import or a database edit does: no action, no pointer update."""
    Topic.objects.filter(pk=topic.pk).update(is_hidden=True)
    cache.clear()


def _clients(member, cards):
    moderator = make_moderator(cards["child"], "mod_mara")
    mod_client, member_client = Client(), Client()
    mod_client.force_login(moderator)
    member_client.force_login(member)
    return {"visitor": Client(), "member": member_client, "moderator": mod_client}


def test_a_topic_hidden_behind_the_actions_never_reaches_a_card(cards, member):
    clients = _clients(member, cards)
    for url in _pages(cards):
        assert QUARREL in _cards(clients["visitor"].get(url).text), url

    _hide_behind_the_actions(cards["newest"])

    for who, client in clients.items():
        for url in _pages(cards):
            page = _cards(client.get(url).text)
            assert page, (who, url)
            assert QUARREL not in page, (who, url)


def test_resync_points_every_card_at_the_newest_public_topic(cards, member):
    _hide_behind_the_actions(cards["newest"])
    call_command("resync_counters")

    assert Category.objects.get(pk=cards["child"].pk).last_topic_id == cards["older"].pk
    for who, client in _clients(member, cards).items():
        for url in _pages(cards):
            page = _cards(client.get(url).text)
            assert QUARREL not in page, (who, url)
            assert BURRS in page, (who, url)


def test_a_reply_in_a_hidden_topic_does_not_make_it_the_latest(cards, other_member):
    _hide_behind_the_actions(cards["newest"])
    call_command("resync_counters")

    # Its author still sees it (the policy) and may reply.
    hidden = Topic.objects.get(pk=cards["newest"].pk)
    actions.reply_to_topic(other_member, hidden, body="Still waiting on them.")

    child = Category.objects.get(pk=cards["child"].pk)
    assert child.last_topic_id == cards["older"].pk
    assert QUARREL not in _cards(Client().get("/").text)


def test_deleting_the_latest_skips_a_hidden_topic(cards, other_member, moderator):
    """The newest topic goes; the next newest is hidden; the card names the
    newest public one."""
    middle = make_topic(cards["child"], other_member, title="Hidden middle")
    Topic.objects.filter(pk=middle.pk).update(
        last_posted_at=timezone.now() - dt.timedelta(hours=1), is_hidden=True
    )
    call_command("resync_counters")  # as the import that hid it does
    assert (
        Category.objects.get(pk=cards["child"].pk).last_topic_id == cards["newest"].pk
    )
    newest = Topic.objects.get(pk=cards["newest"].pk)
    actions.delete_post(other_member, newest.first_post)

    child = Category.objects.get(pk=cards["child"].pk)
    assert child.last_topic_id == cards["older"].pk


def test_a_stale_pointer_costs_no_query(cards, client, settings):
    settings.ANON_CACHE_SECONDS = 0
    url = cards["parent"].get_absolute_url()
    with CaptureQueriesContext(connection) as fresh:
        client.get(url)
    _hide_behind_the_actions(cards["newest"])
    with CaptureQueriesContext(connection) as stale:
        page = client.get(url).text
    assert QUARREL not in _cards(page)
    assert len(stale) == len(fresh)
