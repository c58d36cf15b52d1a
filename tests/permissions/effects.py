"""What other people can see, read over HTTP: for walkers that check effects,
not rows.

`VisibleWords.record()` reads, for every post not written by the walking
actor, its topic page as an anonymous visitor and as the post's author, and
keeps the post's rendered body wherever it is visible. `check()` reads those
pages again and fails unless every recorded post is still there, byte for
byte in its body, or carries a public moderation tombstone (the record of a
moderator's action, which is how words may leave public view). A topic that
answers 404, a post that is gone from its page or a changed body is a broken
promise, whatever the rows say.

Where each post is read is computed from the data at each check (its topic
and page now), so a post moved elsewhere is followed. The number of pages
read is bounded: a page is a function of the data, so a check after a
request that changed no row (`data_state()`, every row of every table but the
visitor's own bookkeeping) reads nothing; after one that changed any row it
empties the cache and re-reads one page per (viewer, topic page) holding
recorded posts. `final_check()` reads every page again at the end, first
through the page cache as a visitor gets it (a signed-in request never fills
that cache, so nothing the walk did could have poisoned it; this proves it),
then fresh.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from html.parser import HTMLParser

from django.apps import apps
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from forum import queries
from forum.models import Post

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


# The visitor's own bookkeeping of signing in and visiting.
BOOKKEEPING = {"accounts.UserVisit", "sessions.Session"}
BOOKKEEPING_COLUMNS = {"last_login", "last_seen_at"}


def data_state() -> dict[str, list]:
    """Every row of every table, for an exact before/after comparison."""
    snapshot = {}
    for model in apps.get_models():
        if model._meta.label in BOOKKEEPING:
            continue
        columns = [
            f.attname
            for f in model._meta.concrete_fields
            if f.attname not in BOOKKEEPING_COLUMNS
        ]
        snapshot[model._meta.label] = sorted(
            model._default_manager.order_by().values_list(*columns), key=repr
        )
    return snapshot


class _Posts(HTMLParser):
    """The posts on a topic page: for each post number, the raw HTML inside
    its shown `div.post-body` (not the one inside a "show the hidden post"
    disclosure) and whether it carries a moderation tombstone."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=False)
        self.html = html
        self.line_starts = [0]
        self.line_starts += [m.end() for m in re.finditer("\n", html)]
        self.stack: list[tuple[str, str | None, int]] = []
        self.article: int | None = None
        self.details = 0
        self.articles: set[int] = set()
        self.bodies: dict[int, str] = {}
        self.tombstoned: set[int] = set()
        self.feed(html)
        self.close()

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        marker = None
        start = 0
        element_id = values.get("id") or ""
        if tag == "article" and element_id.startswith("post-"):
            self.article = int(element_id.removeprefix("post-"))
            self.articles.add(self.article)
            marker = "article"
        elif tag == "details":
            self.details += 1
            marker = "details"
        elif (
            tag == "div"
            and "post-body" in classes
            and self.article is not None
            and not self.details
            and self.article not in self.bodies
        ):
            marker = "body"
            start = self._offset() + len(self.get_starttag_text() or "")
        elif tag == "aside" and "mod-tombstone" in classes and self.article:
            self.tombstoned.add(self.article)
        if tag not in VOID:
            self.stack.append((tag, marker, start))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID or not any(open_tag == tag for open_tag, _m, _s in self.stack):
            return
        while self.stack:
            open_tag, marker, start = self.stack.pop()
            if marker == "body" and self.article is not None:
                self.bodies[self.article] = self.html[start : self._offset()]
            elif marker == "article":
                self.article = None
            elif marker == "details":
                self.details -= 1
            if open_tag == tag:
                return


def posts_on_page(html: str) -> _Posts:
    return _Posts(html)


@dataclass(frozen=True)
class _Seen:
    viewer: str  # "anonymous" or a username
    post_id: int
    body: str


class VisibleWords:
    """Everyone else's posts, as their readers see them."""

    def __init__(self, actor: User) -> None:
        self.actor = actor
        self.clients: dict[str, Client] = {"anonymous": Client()}
        self.seen: list[_Seen] = []
        self.pages_read = 0
        self.checks = 0
        self.full_checks = 0
        self._state: dict[str, list] | None = None

    def _client(self, viewer: str) -> Client:
        if viewer not in self.clients:
            client = Client()
            client.force_login(User.objects.get(username=viewer))
            self.clients[viewer] = client
        return self.clients[viewer]

    def _locations(self, post_ids: set[int]) -> dict[int, str]:
        """Where each post is now: its topic page URL, from the data."""
        posts = Post.objects.filter(pk__in=post_ids).select_related("topic")
        return {
            post.pk: post.topic.get_absolute_url()
            + (f"?page={page}" if (page := queries.page_of(post.number)) > 1 else "")
            for post in posts
        }

    def _read(
        self, viewer: str, url: str, *, fresh: bool = True
    ) -> tuple[int, _Posts | None]:
        if fresh:  # what the data shows now, not a page cached before
            cache.clear()
        self.pages_read += 1
        response = self._client(viewer).get(url)
        if response.status_code != 200:
            return response.status_code, None
        return 200, posts_on_page(response.content.decode())

    def record(self) -> list[_Seen]:
        others = Post.objects.exclude(author=self.actor).exclude(author=None)
        authors = dict(others.values_list("pk", "author__username"))
        numbers = dict(others.values_list("pk", "number"))
        locations = self._locations(set(authors))
        wanted: dict[tuple[str, str], list[int]] = defaultdict(list)
        for post_id, username in authors.items():
            for viewer in ("anonymous", username):
                wanted[viewer, locations[post_id]].append(post_id)
        self.seen = []
        self._state = data_state()
        for (viewer, url), post_ids in sorted(wanted.items()):
            _status, page = self._read(viewer, url)
            if page is None:
                continue
            for post_id in post_ids:
                body = page.bodies.get(numbers[post_id])
                if body is not None and numbers[post_id] not in page.tombstoned:
                    self.seen.append(_Seen(viewer, post_id, body))
        return self.seen

    def check(self, context: object, state: dict[str, list] | None = None) -> None:
        """Assert every recorded post is still visible to its recorded viewer,
        body byte for byte, or carries a public moderation tombstone. *state*
        is data_state() now, when the caller has it."""
        self.checks += 1
        state = data_state() if state is None else state
        if state == self._state:
            return  # no row changed: every page is as last read
        self._state = state
        self.full_checks += 1
        self._check_pages(context, fresh=True)

    def final_check(self, context: object) -> None:
        """Every page once more: through the page cache, then fresh."""
        self._check_pages(context, fresh=False)
        self._check_pages(context, fresh=True)

    def _check_pages(self, context: object, *, fresh: bool) -> None:
        post_ids = {seen.post_id for seen in self.seen}
        locations = self._locations(post_ids)
        numbers = dict(Post.objects.filter(pk__in=post_ids).values_list("pk", "number"))
        by_page: dict[tuple[str, str], list[_Seen]] = defaultdict(list)
        for seen in self.seen:
            assert seen.post_id in locations, (context, "post row gone", seen)
            by_page[seen.viewer, locations[seen.post_id]].append(seen)
        for (viewer, url), seens in sorted(by_page.items()):
            status, page = self._read(viewer, url, fresh=fresh)
            assert page is not None, (context, viewer, url, status)
            for seen in seens:
                number = numbers[seen.post_id]
                assert number in page.articles, (context, viewer, url, number)
                if number in page.tombstoned:
                    continue  # a moderator's public record
                assert page.bodies.get(number) == seen.body, (
                    context,
                    viewer,
                    url,
                    number,
                )
