"""Fetching the feeds of listed communities from a real HTTP server on
127.0.0.1: what is stored, deduplicated, refused, backed off and expired."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from elsewhere import actions, tasks
from elsewhere.models import Item, Source
from tests.elsewhere.feeds import atom, item, json_feed, rss

pytestmark = pytest.mark.django_db

RSS = "application/rss+xml"


def _items(source: Source) -> list[Item]:
    return list(Item.objects.filter(source=source).order_by("-published_at"))


def test_rss_entries_become_links_with_plain_short_excerpts(feeds, register):
    now = timezone.now()
    long_html = (
        "<p>First <script>alert('x')</script><a href='https://x.example'>link</a> "
        + "crema &amp; body " * 60
        + "</p>"
    )
    url = feeds.serve(
        "/rss",
        rss(
            [
                item(1, now - timedelta(hours=1)),
                item(2, now - timedelta(hours=2), summary=long_html),
            ]
        ),
        RSS,
    )
    source = register(url)

    result = tasks.fetch_source(source.pk)

    assert result == "stored 2"
    first, second = _items(source)
    assert first.title == "Dialing in a light roast, part 1"
    assert first.url == "https://espresso-underground.example/t/1"
    assert first.author == "ines"
    assert first.excerpt == "Notes on grind and temperature, part 1."
    assert abs(first.published_at - (now - timedelta(hours=1))) < timedelta(seconds=1)
    assert len(second.excerpt) <= 300
    assert "<" not in second.excerpt and "alert" not in second.excerpt
    assert "crema & body" in second.excerpt
    source.refresh_from_db()
    assert source.failure_count == 0 and source.last_success_at is not None
    assert source.next_fetch_at == source.last_success_at + timedelta(minutes=60)
    assert feeds.hits("/rss")[0]["User-Agent"].startswith("Hearth")


def test_atom_and_json_feeds_are_read_too(feeds, register):
    now = timezone.now()
    atom_url = feeds.serve(
        "/atom",
        atom([item(1, now, link="https://crema-notes.example/2026/light-roasts")]),
        "application/atom+xml",
    )
    json_url = feeds.serve(
        "/feed.json",
        json_feed(
            [
                item(
                    7,
                    now,
                    link="https://board.example/r/homeespresso/7",
                    author="u/pullshot",
                    summary="Is a <em>bottomless</em> portafilter worth it?",
                )
            ]
        ),
        "application/feed+json",
    )
    blog = register(atom_url, name="Crema Notes")
    board = register(json_url, name="r/homeespresso")

    assert tasks.fetch_source(blog.pk) == "stored 1"
    assert tasks.fetch_source(board.pk) == "stored 1"

    (post,) = _items(blog)
    assert post.url == "https://crema-notes.example/2026/light-roasts"
    assert post.author == "ines"
    (thread,) = _items(board)
    assert thread.author == "u/pullshot"
    assert thread.excerpt == "Is a bottomless portafilter worth it?"


def test_items_are_deduplicated_by_guid_and_by_url(feeds, register):
    now = timezone.now()
    entries = [item(1, now), item(2, now - timedelta(minutes=5))]
    feeds.serve("/rss", rss(entries), RSS)
    source = register(feeds.url("/rss"))
    tasks.fetch_source(source.pk)

    # Again, plus: the same GUID at a new URL, the same URL under a new GUID,
    # an entry twice in one feed, and one new entry.
    feeds.serve(
        "/rss",
        rss(
            [
                *entries,
                item(1, now, link="https://espresso-underground.example/moved/1"),
                item(2, now, guid="urn:eu:other-2"),
                item(3, now),
                item(3, now),
            ]
        ),
        RSS,
    )
    result = actions.fetch_source(source.pk)

    assert result == "stored 1"
    assert sorted(i.url.rsplit("/", 1)[1] for i in _items(source)) == ["1", "2", "3"]


def test_a_conditional_get_answered_304_keeps_everything(feeds, register):
    now = timezone.now()
    body = rss([item(1, now)])

    def conditional(headers):
        if headers.get("If-None-Match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return (
            200,
            {
                "Content-Type": RSS,
                "ETag": '"v1"',
                "Last-Modified": "Sat, 05 Dec 2026 10:00:00 GMT",
            },
            body,
        )

    feeds.routes["/rss"] = conditional
    source = register(feeds.url("/rss"))
    assert tasks.fetch_source(source.pk) == "stored 1"

    later = now + timedelta(hours=2)
    result = actions.fetch_source(source.pk, now=later)

    assert result == "not modified"
    second = feeds.hits("/rss")[1]
    assert second["If-None-Match"] == '"v1"'
    assert second["If-Modified-Since"] == "Sat, 05 Dec 2026 10:00:00 GMT"
    source.refresh_from_db()
    assert source.last_success_at == later
    assert source.next_fetch_at == later + timedelta(minutes=60)
    assert len(_items(source)) == 1


@pytest.mark.parametrize(
    ("path", "route", "code"),
    [
        (
            "/malformed",
            (200, {"Content-Type": RSS}, b"<html><body>Moved to Discord!</b"),
            "parse",
        ),
        (
            "/broken-json",
            (200, {"Content-Type": "application/feed+json"}, b'{"version": '),
            "parse",
        ),
        (
            "/huge",
            (200, {"Content-Type": RSS}, b"<rss>" + b" " * (20 * 1024 * 1024)),
            "too_large",
        ),
        (
            "/huge-unannounced",
            (
                200,
                {"Content-Type": RSS, "Content-Length": ""},
                b"<rss>" + b" " * (20 * 1024 * 1024),
            ),
            "too_large",
        ),
        ("/loop", (302, {"Location": "/loop"}, b""), "too_many_redirects"),
        (
            "/page",
            (200, {"Content-Type": "text/html"}, b"<html></html>"),
            "content_type",
        ),
        ("/gone", (410, {}, b""), "status"),
    ],
    ids=[
        "malformed",
        "broken-json",
        "20MB",
        "20MB-unannounced",
        "redirect-loop",
        "html",
        "gone",
    ],
)
def test_a_failing_feed_is_recorded_with_back_off_and_others_go_on(
    feeds, register, path, route, code
):
    now = timezone.now()
    feeds.routes[path] = route
    feeds.serve("/good", rss([item(1, now)]), RSS)
    broken = register(feeds.url(path), name="Broken")
    good = register(feeds.url("/good"), name="Good")

    results = [actions.fetch_source(s.pk, now=now) for s in (broken, good)]

    assert results == [f"failed: {code}", "stored 1"]
    broken.refresh_from_db()
    assert broken.failure_count == 1
    assert broken.last_error.startswith(f"{code}:")
    assert broken.next_fetch_at == now + timedelta(minutes=120)
    assert not _items(broken)
    assert len(_items(good)) == 1


def test_a_slow_feed_times_out(feeds, register, settings):
    settings.ELSEWHERE_FETCH_TIMEOUT = 0.5
    feeds.routes["/slow"] = feeds.stalled
    source = register(feeds.url("/slow"))

    assert actions.fetch_source(source.pk) == "failed: timeout"

    source.refresh_from_db()
    assert source.last_error.startswith("timeout:")


def test_back_off_doubles_up_to_the_limit(feeds, register, settings):
    settings.ELSEWHERE_MAX_BACKOFF_HOURS = 6
    feeds.routes["/gone"] = (500, {}, b"")
    source = register(feeds.url("/gone"))
    now = timezone.now()
    waits = []
    for _ in range(5):
        actions.fetch_source(source.pk, now=now)
        source.refresh_from_db()
        waits.append(source.next_fetch_at - now)

    assert waits == [timedelta(hours=h) for h in (2, 4, 6, 6, 6)]
    assert source.failure_count == 5

    feeds.serve("/gone", rss([item(1, now)]), RSS)
    actions.fetch_source(source.pk, now=now)
    source.refresh_from_db()
    assert (source.failure_count, source.last_error) == (0, "")


def test_a_private_address_is_refused_without_the_test_setting(
    feeds, register, settings
):
    settings.ELSEWHERE_ALLOW_PRIVATE_ADDRESSES = False
    url = feeds.serve("/rss", rss([item(1, timezone.now())]), RSS)
    source = register(url)

    assert actions.fetch_source(source.pk) == "failed: refused_address"

    assert feeds.requests == []  # never even connected to
    assert not _items(source)


def test_due_sources_are_claimed_once_and_enqueued(feeds, register):
    now = timezone.now()
    due = register(feeds.url("/a"), name="Due", now=now)
    later = register(feeds.url("/b"), name="Later", now=now)
    Source.objects.filter(pk=later.pk).update(next_fetch_at=now + timedelta(hours=1))

    first = actions.enqueue_due_sources(now=now)
    again = actions.enqueue_due_sources(now=now + timedelta(minutes=5))
    # A claim older than the claim window belongs to a lost task.
    lost = actions.enqueue_due_sources(now=now + timedelta(minutes=20))

    assert first == [due.pk]
    assert again == []
    assert lost == [due.pk]


def test_old_entries_are_not_stored_and_stored_ones_expire(feeds, register, settings):
    settings.ELSEWHERE_ITEM_MAX_AGE_DAYS = 30
    now = timezone.now()
    feeds.serve(
        "/rss",
        rss([item(1, now - timedelta(days=10)), item(2, now - timedelta(days=40))]),
        RSS,
    )
    source = register(feeds.url("/rss"))
    assert actions.fetch_source(source.pk, now=now) == "stored 1"

    assert actions.expire_items(now=now + timedelta(days=15)) == 0
    assert actions.expire_items(now=now + timedelta(days=21)) == 1
    assert not _items(source)


def test_a_withdrawn_source_is_not_fetched(feeds, register):
    source = register(feeds.url("/rss"))
    Source.objects.filter(pk=source.pk).update(status=Source.Status.WITHDRAWN)

    assert tasks.fetch_source(source.pk) == "skipped"
    assert actions.enqueue_due_sources() == []
    assert feeds.requests == []
