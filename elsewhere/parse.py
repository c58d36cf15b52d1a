"""Feeds in, plain entries out: RSS and Atom through feedparser, JSON Feed
with the standard library (feedparser does not read JSON Feed).

Nothing here touches the database or the network. Every text that leaves
is plain text (HTML stripped by ``forum.markup``, entities decoded), every
URL is an absolute http(s) URL; entries without one are dropped.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from forum.markup import excerpt

__all__ = ["EXCERPT_LENGTH", "Entry", "FeedError", "parse_feed"]

EXCERPT_LENGTH = 300
JSON_TYPES = frozenset({"application/feed+json", "application/json"})
# What the fetcher accepts for a feed.
FEED_CONTENT_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/xml",
    "text/xml",
    "application/rdf+xml",
)


class FeedError(Exception):
    """The body is not a feed we can read."""


@dataclass(frozen=True)
class Entry:
    guid: str
    url: str
    title: str
    author: str
    published: datetime | None
    excerpt: str


def _clean_url(base: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        return ""
    url = urljoin(base, value.strip())
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return url if len(url) <= 2000 else ""


def _text(value: Any, length: int) -> str:
    if not isinstance(value, str):
        return ""
    return excerpt(value, length) if value.strip() else ""


def _entry(
    base: str,
    *,
    guid: Any,
    url: Any,
    title: Any,
    author: Any,
    published: datetime | None,
    summary: Any,
) -> Entry | None:
    link = _clean_url(base, url)
    if not link:
        return None
    text = _text(summary, EXCERPT_LENGTH)
    name = _text(title, 300) or (text and excerpt(text, 120)) or link[:300]
    guid_text = guid.strip() if isinstance(guid, str) and guid.strip() else link
    return Entry(
        guid=guid_text[:2000],
        url=link,
        title=name,
        author=_text(author, 120),
        published=published,
        excerpt=text,
    )


def _json_date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _json_author(item: dict[str, Any]) -> str:
    authors = item.get("authors")
    if isinstance(authors, list) and authors and isinstance(authors[0], dict):
        return str(authors[0].get("name") or "")
    author = item.get("author")
    if isinstance(author, dict):
        return str(author.get("name") or "")
    return ""


def _parse_json(body: bytes, base: str) -> list[Entry]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedError(f"Not valid JSON: {exc}") from exc
    if (
        not isinstance(data, dict)
        or not str(data.get("version", "")).startswith("https://jsonfeed.org/version/")
        or not isinstance(data.get("items"), list)
    ):
        raise FeedError("Not a JSON Feed (no version or no items).")
    entries = []
    for item in data["items"]:
        if not isinstance(item, dict):
            continue
        entry = _entry(
            base,
            guid=str(item["id"]) if item.get("id") is not None else None,
            url=item.get("url") or item.get("external_url"),
            title=item.get("title"),
            author=_json_author(item),
            published=_json_date(
                item.get("date_published") or item.get("date_modified")
            ),
            summary=item.get("summary")
            or item.get("content_html")
            or item.get("content_text"),
        )
        if entry is not None:
            entries.append(entry)
    return entries


def _struct_date(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def _parse_xml(body: bytes, base: str) -> list[Entry]:
    parsed = feedparser.parse(body, response_headers={"content-location": base})
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise FeedError(f"Not an RSS or Atom feed{f': {problem}' if problem else ''}.")
    entries = []
    for item in parsed.entries:
        entry = _entry(
            base,
            guid=item.get("id"),
            url=item.get("link"),
            title=item.get("title"),
            author=item.get("author"),
            published=_struct_date(
                item.get("published_parsed") or item.get("updated_parsed")
            ),
            summary=item.get("summary"),
        )
        if entry is not None:
            entries.append(entry)
    return entries


def parse_feed(body: bytes, *, content_type: str, base: str) -> list[Entry]:
    """The entries of *body* (a feed fetched from *base*), in feed order.

    Raises FeedError when the body is neither RSS, Atom nor JSON Feed.
    """
    if content_type in JSON_TYPES or body.lstrip()[:1] == b"{":
        return _parse_json(body, base)
    return _parse_xml(body, base)
