"""Feed bodies the test server serves: RSS 2.0, Atom 1.0 and JSON Feed 1.1."""

from __future__ import annotations

import json
from datetime import datetime
from email.utils import format_datetime


def rss(items: list[dict], *, title: str = "Espresso Underground") -> bytes:
    entries = "".join(
        f"""
    <item>
      <title>{item["title"]}</title>
      <link>{item["link"]}</link>
      {f"<guid>{item['guid']}</guid>" if item.get("guid") else ""}
      {f"<author>{item['author']}</author>" if item.get("author") else ""}
      <pubDate>{format_datetime(item["date"])}</pubDate>
      <description><![CDATA[{item.get("summary", "")}]]></description>
    </item>"""
        for item in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
  <title>{title}</title><link>https://espresso-underground.example/</link>
  <description>An independent espresso forum</description>{entries}
</channel></rss>""".encode()


def atom(items: list[dict], *, title: str = "Crema Notes") -> bytes:
    entries = "".join(
        f"""
  <entry>
    <title type="html">{item["title"]}</title>
    <link rel="alternate" href="{item["link"]}"/>
    <id>{item.get("guid") or item["link"]}</id>
    <updated>{item["date"].isoformat()}</updated>
    <author><name>{item.get("author", "")}</name></author>
    <summary type="html">{item.get("summary", "")}</summary>
  </entry>"""
        for item in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>{title}</title><id>urn:crema-notes</id>
  <updated>2026-01-01T00:00:00Z</updated>{entries}
</feed>""".encode()


def json_feed(items: list[dict], *, title: str = "r/homeespresso") -> bytes:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": title,
            "items": [
                {
                    "id": item.get("guid") or item["link"],
                    "url": item["link"],
                    "title": item["title"],
                    "authors": [{"name": item.get("author", "")}],
                    "date_published": item["date"].isoformat(),
                    "content_html": item.get("summary", ""),
                }
                for item in items
            ],
        }
    ).encode()


def item(n: int, date: datetime, **fields) -> dict:
    return {
        "title": f"Dialing in a light roast, part {n}",
        "link": f"https://espresso-underground.example/t/{n}",
        "guid": f"urn:eu:{n}",
        "author": "ines",
        "date": date,
        "summary": f"<p>Notes on <b>grind</b> and temperature, part {n}.</p>",
        **fields,
    }
