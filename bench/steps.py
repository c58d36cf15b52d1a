# ruff: noqa: T201 -- a command-line tool: it prints its results
"""Django-side steps of `make bench`, run by bench/run.py in a subprocess with
DJANGO_SETTINGS_MODULE=bench.settings against the benchmark database.

  python -m bench.steps pages META_JSON   -> JSON: the pages and a member's session
  python -m bench.steps queries PAGES_JSON -> JSON: SQL queries per page
  python -m bench.steps is-imported META_JSON -> exit 0 when the data is there
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import django


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()


def is_imported(meta: dict[str, Any]) -> bool:
    from forum.models import Post

    return Post.objects.count() >= meta["counts"]["posts"]


def pages(meta: dict[str, Any]) -> dict[str, Any]:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User
    from forum import queries
    from forum.models import Category, Topic

    targets = meta["targets"]
    # Source ids map to Hearth ids through the importer's bookkeeping.
    from django.db import connection

    def hearth_id(kind: str, source_id: int) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT target_id FROM forum_import_key WHERE kind = %s AND source_id = %s",
                [kind, source_id],
            )
            return cursor.fetchone()[0]

    category = Category.objects.get(
        pk=hearth_id("category", targets["largest_category_id"])
    )
    medium = Topic.objects.get(pk=hearth_id("topic", targets["medium_topic_id"]))
    giant = Topic.objects.get(pk=hearth_id("topic", targets["giant_topic_id"]))
    member = User.objects.get(username=targets["profile_username"])
    last_page = queries.page_count(giant)
    category_topics = Topic.objects.filter(
        category__in=[category, *category.children.all()]
    ).count()
    category_last_page = max(1, -(-category_topics // queries.TOPICS_PER_PAGE))

    session = SessionStore()
    session[SESSION_KEY] = str(member.pk)
    session[BACKEND_SESSION_KEY] = "accounts.backends.HearthModelBackend"
    session[HASH_SESSION_KEY] = member.get_session_auth_hash()
    session.save()
    return {
        "member": member.username,
        "session_cookie": f"sessionid={session.session_key}",
        "giant_posts": giant.last_post_number,
        "pages": [
            ["home", "/"],
            ["category", category.get_absolute_url()],
            [
                "category last page",
                f"{category.get_absolute_url()}?page={category_last_page}",
            ],
            ["latest", "/latest/"],
            ["topic", medium.get_absolute_url()],
            ["giant first page", giant.get_absolute_url()],
            ["giant last page", f"{giant.get_absolute_url()}?page={last_page}"],
            ["profile", member.get_absolute_url()],
            ["search", f"/search/?q={targets['search_word']}"],
        ],
    }


def count_queries(spec: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Queries per page, anonymous (page cache off, i.e. a cache miss) and
    signed in, after one warm-up request each."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ANON_CACHE_SECONDS = 0
    counts: dict[str, dict[str, int]] = {}
    for who, cookie in (("anonymous", ""), ("member", spec["session_cookie"])):
        client = Client(HTTP_HOST="127.0.0.1")
        if cookie:
            name, _, value = cookie.partition("=")
            client.cookies[name] = value
        for name, url in spec["pages"]:
            client.get(url)
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{who} {url}: HTTP {response.status_code}")
            counts.setdefault(name, {})[who] = len(ctx.captured_queries)
    return counts


def main() -> None:
    command, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    _setup()
    if command == "is-imported":
        raise SystemExit(0 if is_imported(data) else 1)
    if command == "pages":
        print(json.dumps(pages(data)))
    elif command == "queries":
        print(json.dumps(count_queries(data)))
    else:
        raise SystemExit(f"unknown step {command}")


if __name__ == "__main__":
    main()
