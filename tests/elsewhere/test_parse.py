"""Feed bodies to plain entries: only http(s) links, plain text, bounded."""

from datetime import UTC, datetime

import pytest

from elsewhere.parse import FeedError, parse_feed
from tests.elsewhere.feeds import json_feed, rss

BASE = "https://board.example/r/homeespresso/feed.json"


def test_links_are_absolute_http_and_scripts_are_dropped():
    when = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    body = json_feed(
        [
            {"link": "/r/homeespresso/1", "title": "Relative link", "date": when},
            {"link": "javascript:alert(1)", "title": "Script", "date": when},
            {"link": "mailto:x@board.example", "title": "Mail", "date": when},
            {
                "link": "https://board.example/2",
                "title": "<b>Bold</b> &amp; <script>alert(1)</script>title",
                "date": when,
                "summary": "x" * 1000,
            },
        ]
    )

    first, second = parse_feed(body, content_type="application/feed+json", base=BASE)

    assert first.url == "https://board.example/r/homeespresso/1"
    assert first.published == when
    assert second.title == "Bold & title"
    assert len(second.excerpt) == 300 and second.excerpt.endswith("…")


def test_an_entry_without_a_title_borrows_its_text_and_guid_falls_back_to_link():
    body = rss(
        [
            {
                "title": "",
                "link": "https://espresso-underground.example/t/5",
                "date": datetime(2026, 12, 1, tzinfo=UTC),
                "summary": "<p>Short note about <em>milk</em> steaming.</p>",
            }
        ]
    )

    (entry,) = parse_feed(body, content_type="application/rss+xml", base=BASE)

    assert entry.title == "Short note about milk steaming."
    assert entry.guid == "https://espresso-underground.example/t/5"


@pytest.mark.parametrize(
    "body",
    [b"", b"just text", b'{"version": "1", "items": []}', b"[1, 2]", b"<html></html>"],
)
def test_what_is_not_a_feed_is_refused(body):
    with pytest.raises(FeedError):
        parse_feed(body, content_type="application/xml", base=BASE)
