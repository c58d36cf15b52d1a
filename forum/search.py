"""Full-text search over posts that the searcher may see.

PostgreSQL: a weighted tsvector per post (topic title weight A on the first
post, body weight B), a GIN index, websearch_to_tsquery syntax and ts_rank.
SQLite (the zero-service mode): every word must appear in the title or body
(case-insensitive LIKE), newest first. Both paths apply the same filters and
the same visibility rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import overload

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q, QuerySet

from forum.markup import excerpt, highlight_terms
from forum.models import Post
from permissions import policy
from permissions.policy import Actor

SNIPPET_LENGTH = 240
# PostgreSQL: how many of the newest matches are ranked and paginated.
RANKED_CANDIDATES = 1000


class RankedPosts(Sequence[Post]):
    """Posts by a list of ids, in that order: what a Paginator needs (len and
    slices), fetching only the slice asked for, with one query."""

    def __init__(self, ids: list[int]) -> None:
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    def count(self) -> int:  # type: ignore[override]  # Paginator prefers count()
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Post: ...

    @overload
    def __getitem__(self, index: slice) -> list[Post]: ...

    def __getitem__(self, index: int | slice) -> Post | list[Post]:
        if isinstance(index, int):
            return self[index : index + 1 or None][0]
        ids = self.ids[index]
        by_id = Post.objects.select_related("topic", "topic__category").in_bulk(ids)
        return [by_id[pk] for pk in ids if pk in by_id]


def search_posts(
    actor: Actor,
    *,
    q: str,
    category: str = "",
    author: str = "",
    tag: str = "",
    solved: str = "",
) -> QuerySet[Post] | RankedPosts:
    posts = Post.objects.filter(deleted_at__isnull=True, is_hidden=False)
    if category:
        posts = posts.filter(
            Q(topic__category__slug=category)
            | Q(topic__category__parent__slug=category)
        )
    if author:
        posts = posts.filter(author__username__iexact=author.lstrip("@"))
    if tag:
        posts = posts.filter(topic__tags__slug=tag)
    if solved == "yes":
        posts = posts.filter(topic__is_solved=True)
    elif solved == "no":
        posts = posts.filter(topic__is_solved=False)

    if connection.vendor == "postgresql":
        query = SearchQuery(q, search_type="websearch", config="english")
        # Rank (and count) only the newest RANKED_CANDIDATES matches: a common
        # word matches a sizeable share of all posts, and ranking every match
        # costs time in proportion to the forum's size. The newest matches are
        # found by walking the created_at index backwards, which stops early.
        # Visibility applies to the result (every row returned is checked);
        # inside the candidate query its subquery misleads the planner into
        # a nested loop over every topic.
        newest = (
            posts.filter(search_vector=query)
            .order_by("-created_at")
            .values("pk")[:RANKED_CANDIDATES]
        )
        # One query ranks the candidates and returns their ids in order; the
        # paginator counts them and fetches one page by id (no second pass
        # over the candidates for a COUNT).
        ranked = (
            policy.visible_posts(actor, Post.objects.filter(pk__in=newest))
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank", "-created_at")
            .values_list("pk", flat=True)
        )
        return RankedPosts(list(ranked))
    posts = policy.visible_posts(actor, posts).select_related(
        "topic", "topic__category"
    )
    for word in _words(q):
        posts = posts.filter(
            Q(body_text__icontains=word) | Q(topic__title__icontains=word, number=1)
        )
    return posts.order_by("-created_at")


def _words(q: str) -> list[str]:
    return [w for w in re.findall(r"\w+", q) if len(w) > 1][:10]


def attach_snippets(posts: Sequence[Post], q: str) -> None:
    """Set `.snippet` and `.title_html`: escaped text with the query's words
    in <mark>, the snippet taken around the first match."""
    words = _words(q)
    pattern = (
        re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
        if words
        else None
    )
    for post in posts:
        text = post.body_text
        start = 0
        if pattern and (match := pattern.search(text)):
            start = max(0, match.start() - SNIPPET_LENGTH // 3)
        window = text[start : start + SNIPPET_LENGTH]
        if start > 0:
            window = "…" + window.split(" ", 1)[-1]
        if start + SNIPPET_LENGTH < len(text):
            window += "…"
        post.snippet = highlight_terms(window or excerpt(post.body_html), words)
        post.title_html = highlight_terms(post.topic.title, words)
