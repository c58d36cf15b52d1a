"""Deep pages read keys, not rows (forum.paging.DeepPaginator), and show
exactly what Django's own Paginator showed: the same rows in the same order on
every page, for every viewer, in the same number of queries.

The lists paged this way are a category's topics, /latest/ and a member's
posts on their profile. The data has what makes paging go wrong: rows that
tie on the sort time (the primary key breaks the tie), pinned topics, a hidden
topic only its author and moderators may see, deleted ones, a topic in a
group's private category, and a short last page that the orphans rule folds
into the one before.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum import queries
from forum.models import Post, Topic
from forum.paging import DeepPaginator
from recognition import queries as recognition_queries
from tests.factories import (
    make_category,
    make_group,
    make_moderator,
    make_post,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

ORIGIN = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def forum(settings):
    """A category of 53 topics by two authors (ties on time, pinned, hidden,
    deleted ones), a private subcategory, and a prolific member's 47 posts."""
    settings.ANON_CACHE_SECONDS = 0
    lounge = make_category("Lounge", slug="lounge")
    insiders = make_group("Insiders")
    private = make_category(
        "Back room", slug="back-room", parent=lounge, restricted_to=insiders
    )
    writer, other = make_user("writer"), make_user("other")
    insider = make_user("insider")
    insiders.members.add(insider, writer)
    topics = [
        make_topic(lounge, writer if i % 3 else other, title=f"Lounge topic {i:02d}")
        for i in range(50)
    ]
    secret = [make_topic(private, writer, title=f"Back room {i}") for i in range(3)]
    for i, topic in enumerate(topics[:40]):
        make_post(topic, writer, body=f"Writer reply {i} to this topic.")
    Post.objects.filter(author=writer).update(created_at=ORIGIN)  # one time for all
    for i, topic in enumerate([*topics, *secret]):
        # Pairs share a time: the primary key must order them.
        Topic.objects.filter(pk=topic.pk).update(
            last_posted_at=ORIGIN + dt.timedelta(minutes=i // 2)
        )
    Topic.objects.filter(pk__in=[topics[4].pk, topics[31].pk]).update(is_pinned=True)
    Topic.objects.filter(pk=topics[10].pk).update(is_hidden=True)  # by writer
    Topic.objects.filter(pk=topics[12].pk).update(is_hidden=True)  # by other
    Topic.objects.filter(pk=topics[20].pk).update(deleted_at=ORIGIN)
    return {
        "lounge": lounge,
        "writer": writer,
        "viewers": {
            "anonymous": None,
            "other": other,
            "writer": writer,
            "insider": insider,
            "moderator": make_moderator(lounge, "mod"),
        },
    }


def _pages(paginator_class, object_list, per_page):
    paginator = paginator_class(object_list, per_page, orphans=3)
    return [
        [row.pk for row in paginator.page(n)] for n in paginator.page_range
    ], paginator.num_pages


@pytest.mark.parametrize("per_page", [7, 20])
def test_every_page_of_every_list_matches_djangos_paginator(forum, per_page):
    writer = forum["writer"]
    for name, viewer in forum["viewers"].items():
        actor = viewer or _anonymous()
        lists = {
            "category": queries.topic_list(
                actor, Topic.objects.filter(category__in=[forum["lounge"]])
            ),
            "latest": queries.topic_list(actor),
            "profile": recognition_queries.profile(actor, writer).posts,
        }
        for list_name, rows in lists.items():
            expected = _pages(Paginator, rows, per_page)
            assert _pages(DeepPaginator, rows, per_page) == expected, (
                name,
                list_name,
            )
            assert expected[1] > 1  # the lists are long enough to page


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def _titles(html: str) -> list[str]:
    """The titles of the topic rows (not of the cards of subcategories)."""
    return re.findall(
        r'<p class="topic-row-title">\s*<a [^>]*>((?:Lounge topic \d\d|Back room \d))</a>',
        html,
    )


def test_the_category_pages_list_every_visible_topic_once_in_order(forum, client):
    """Through HTTP: reading the category page by page lists each topic the
    viewer may see exactly once, in activity order, pinned first."""
    seen_by: dict[str, list[str]] = {}
    for name, viewer in forum["viewers"].items():
        browser = Client()
        if viewer is not None:
            browser.force_login(viewer)
        first = browser.get(reverse("forum:category", args=["lounge"]))
        assert first.status_code == 200
        pages = int(re.search(r"Page 1 of (\d+)", first.content.decode())[1])
        titles: list[str] = []
        for n in range(1, pages + 1):
            html = browser.get(
                reverse("forum:category", args=["lounge"]) + f"?page={n}"
            ).content.decode()
            titles += _titles(html)
        seen_by[name] = titles
        assert len(titles) == len(set(titles)), name
        assert titles[:2] == ["Lounge topic 31", "Lounge topic 04"], name

    assert "Lounge topic 12" not in seen_by["anonymous"]
    assert "Lounge topic 12" in seen_by["moderator"]
    assert "Lounge topic 10" in seen_by["writer"]
    assert "Lounge topic 10" not in seen_by["other"]
    # A deleted topic stays listed for its category's moderators only.
    assert "Lounge topic 20" not in seen_by["writer"] + seen_by["other"]
    assert "Lounge topic 20" in seen_by["moderator"]
    assert not [t for t in seen_by["anonymous"] if t.startswith("Back room")]
    assert len([t for t in seen_by["insider"] if t.startswith("Back room")]) == 3
    # Newest first: a later topic (higher number) comes before an older one.
    unpinned = [t for t in seen_by["anonymous"] if t not in _PINNED]
    assert unpinned == sorted(unpinned, reverse=True)


_PINNED = {"Lounge topic 31", "Lounge topic 04"}


def test_a_profile_page_by_page_lists_each_post_once(forum, client):
    url = reverse("accounts:profile", args=["writer"])
    first = client.get(url).content.decode()
    pages = int(re.search(r"Page 1 of (\d+)", first)[1])
    replies: list[str] = []
    for n in range(1, pages + 1):
        html = client.get(f"{url}?page={n}").content.decode()
        replies += re.findall(r"Writer reply \d+ to", html)
    # 40 replies, less those in the hidden topics 10 and 12 and deleted 20.
    assert len(replies) == len(set(replies)) == 37


def test_a_deep_page_costs_the_queries_of_the_first(forum, client):
    client.force_login(forum["viewers"]["other"])
    counts = []
    for url in (
        reverse("forum:category", args=["lounge"]),
        reverse("forum:category", args=["lounge"]) + "?page=2",
        reverse("accounts:profile", args=["writer"]),
        reverse("accounts:profile", args=["writer"]) + "?page=2",
    ):
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(
            len([q for q in ctx.captured_queries if "django_session" not in q["sql"]])
        )
    assert counts[0] == counts[1]
    assert counts[2] == counts[3]


def test_a_page_past_the_end_shows_the_last_page(forum, client):
    url = reverse("forum:category", args=["lounge"])
    last = client.get(url + "?page=999").content.decode()
    html = client.get(url).content.decode()
    pages = int(re.search(r"Page 1 of (\d+)", html)[1])
    assert f"Page {pages} of {pages}" in last
    assert _titles(last)
