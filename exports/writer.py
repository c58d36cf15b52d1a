"""Write the public community in Hearth's JSON-lines format (docs/export-format.md).

``python manage.py export_forum DIR`` and the admin's export jobs
(``exports.tasks``) call :func:`write_export`. What is written is what an
anonymous visitor can read, decided by the policy's ``visible_*`` filters:
restricted categories, hidden topics, deleted and removed posts, posts
waiting for review, private conversations, flags, drafts and every other
private row stay out. E-mail addresses are personal data: they are written
only with ``emails=True`` (moving a community to another server).

Byte-stable: every file is ordered by primary key (parents before children
for categories), ids are renumbered densely 1, 2, 3 … in that order, JSON
objects have sorted keys and date-times are written in UTC with
microseconds only when there are some. ``import_forum`` creates rows in file
order, so exporting an imported export gives the same bytes again (tested in
tests/exports/test_round_trip.py).

Bounded memory: posts, revisions and likes are read in primary-key chunks
(keyset pagination), never all at once; only the id maps of categories,
brands, users and topics are kept (a few integers per row). Posts are
referred to by (topic id, position), so no map of post ids is needed.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from accounts.models import Brand, User
from forum.importer import FORMAT, FORMAT_VERSION, MANIFEST
from forum.models import Category, Like, Post, PostRevision, Topic
from ideas.models import IdeaDecision, IdeaVote
from moderation.models import ModerationAction
from permissions import policy
from polls.models import Poll, PollOption

# In the order they are written and imported: a record refers only to
# records of the files before it.
FILES = [
    "categories.jsonl",
    "brands.jsonl",
    "users.jsonl",
    "topics.jsonl",
    "posts.jsonl",
    "revisions.jsonl",
    "idea_votes.jsonl",
    "idea_decisions.jsonl",
    "polls.jsonl",
    "moderation_log.jsonl",
]
CHUNK = 2000
T = TypeVar("T")

Progress = Callable[[int, int], None]


def iso(moment: datetime | None) -> str | None:
    """UTC, ``Z``, microseconds only when there are some (the generator's form)."""
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _chunks(rows: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    chunk: list[T] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass
class ExportResult:
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


class Exporter:
    def __init__(
        self,
        directory: Path,
        *,
        emails: bool = False,
        progress: Progress | None = None,
    ) -> None:
        self.directory = directory
        self.emails = emails
        self.progress = progress
        self.result = ExportResult()
        self.rows = 0
        self.total = 0
        self.anonymous = AnonymousUser()
        self.categories: dict[int, int] = {}
        self.brands: dict[int, int] = {}
        self.users: dict[int, int] = {}
        self.topics: dict[int, int] = {}

    # --- scope -------------------------------------------------------------------

    def public_categories(self) -> list[Category]:
        visible = policy.visible_categories(self.anonymous, Category.objects.all())
        cats = list(visible.order_by("pk"))
        ids = {c.pk for c in cats}
        # A child of a category that is not exported is not exported either.
        cats = [c for c in cats if c.parent_id is None or c.parent_id in ids]
        # Parents first, each group by primary key.
        return sorted(cats, key=lambda c: (c.parent_id is not None, c.pk))

    def public_topics(self) -> Any:
        topics = policy.visible_topics(self.anonymous, Topic.objects.all())
        return topics.filter(category_id__in=list(self.categories), is_hidden=False)

    def public_posts(self) -> Any:
        posts = policy.visible_posts(self.anonymous, Post.objects.all())
        return posts.filter(
            topic_id__in=self.public_topics().values("pk"),
            deleted_at__isnull=True,
            removed_at__isnull=True,
            pending_review=False,
        )

    def estimate_total(self) -> int:
        """Rows the export will write (for the progress of export jobs)."""
        posts = self.public_posts()
        return int(
            len(self.categories or self.public_categories())
            + Brand.objects.count()
            + User.objects.count()
            + self.public_topics().count()
            + posts.count()
            + PostRevision.objects.filter(post__in=posts).count()
            + IdeaVote.objects.filter(topic__in=self.public_topics()).count()
            + IdeaDecision.objects.filter(topic__in=self.public_topics()).count()
            + Poll.objects.filter(topic__in=self.public_topics()).count()
            + ModerationAction.objects.count()
        )

    # --- writing -----------------------------------------------------------------

    def _tick(self, n: int = 1) -> None:
        self.rows += n
        if self.progress is not None and (self.rows % 1000 < n or n > 1):
            self.progress(self.rows, self.total)

    def _open(self, name: str) -> IO[str]:
        return (self.directory / name).open("w", encoding="utf-8", newline="\n")

    def _write(self, fh: IO[str], kind: str, record: dict[str, Any]) -> None:
        fh.write(dumps(record) + "\n")
        self.result.counts[kind] = self.result.counts.get(kind, 0) + 1
        self._tick()

    def run(self) -> ExportResult:
        self.directory.mkdir(parents=True, exist_ok=True)
        categories = self.public_categories()
        self.categories = {c.pk: i for i, c in enumerate(categories, 1)}
        self.total = self.estimate_total()
        self.write_categories(categories)
        self.write_brands()
        self.write_users()
        self.write_topics()
        self.write_posts_and_revisions()
        self.write_idea_votes()
        self.write_idea_decisions()
        self.write_polls()
        self.write_moderation_log()
        self.write_manifest()
        if self.progress is not None:
            self.progress(self.rows, max(self.total, self.rows))
        return self.result

    def write_categories(self, categories: list[Category]) -> None:
        with self._open("categories.jsonl") as fh:
            for category in categories:
                self._write(
                    fh,
                    "categories",
                    {
                        "id": self.categories[category.pk],
                        "parent_id": self.categories.get(category.parent_id or 0),
                        "title": category.name,
                        "slug": category.slug,
                        "description": category.description,
                        "position": category.position,
                        "colour": category.colour,
                        "kind": category.kind,
                    },
                )

    def write_brands(self) -> None:
        with self._open("brands.jsonl") as fh:
            for i, brand in enumerate(Brand.objects.order_by("pk").iterator(), 1):
                self.brands[brand.pk] = i
                self._write(
                    fh,
                    "brands",
                    {
                        "id": i,
                        "name": brand.name,
                        "slug": brand.slug,
                        "colour": brand.colour,
                        "description": brand.description,
                        "support_url": brand.support_url,
                    },
                )

    def write_users(self) -> None:
        fields = ["pk", "username", "display_name", "bio", "date_joined", "email"]
        rows = User.objects.order_by("pk").values_list(*fields)
        with self._open("users.jsonl") as fh:
            for i, (pk, username, display_name, bio, joined, email) in enumerate(
                rows.iterator(chunk_size=CHUNK), 1
            ):
                self.users[pk] = i
                record = {
                    "id": i,
                    "username": username,
                    "display_name": display_name,
                    "bio_md": bio,
                    "joined_at": iso(joined),
                }
                if self.emails and email:
                    record["email"] = email
                self._write(fh, "users", record)

    def write_topics(self) -> None:
        topics = self.public_topics().order_by("pk")
        tags: dict[int, list[str]] = defaultdict(list)
        through = Topic.tags.through.objects.filter(topic__in=topics)
        for topic_id, name in through.values_list("topic_id", "tag__name"):
            tags[topic_id].append(name)
        accepted = dict(
            topics.filter(accepted_post__isnull=False).values_list(
                "pk", "accepted_post__number"
            )
        )
        fields = [
            "pk",
            "category_id",
            "author_id",
            "author_name",
            "title",
            "created_at",
            "is_pinned",
            "is_closed",
            "is_locked",
            "idea_status",
        ]
        with self._open("topics.jsonl") as fh:
            for i, row in enumerate(
                topics.values_list(*fields).iterator(chunk_size=CHUNK), 1
            ):
                pk, category_id, author_id, author_name, title, created = row[:6]
                is_pinned, is_closed, is_locked, idea_status = row[6:]
                self.topics[pk] = i
                self._write(
                    fh,
                    "topics",
                    {
                        "id": i,
                        "category_id": self.categories[category_id],
                        "user_id": self.users.get(author_id or 0),
                        "author_name": author_name,
                        "title": title,
                        "created_at": iso(created),
                        "is_pinned": is_pinned,
                        "is_closed": is_closed,
                        "is_locked": is_locked,
                        "idea_status": idea_status,
                        "tags": sorted(tags.get(pk, [])),
                        "accepted_position": accepted.get(pk),
                    },
                )

    def write_posts_and_revisions(self) -> None:
        """One pass over the posts in primary-key chunks; each chunk's likes
        and revisions are read with it."""
        fields = [
            "pk",
            "topic_id",
            "number",
            "author_id",
            "author_name",
            "author_role",
            "author_brand_id",
            "created_at",
            "edited_at",
            "body_source",
            "is_hidden",
            "hide_reason",
            "is_official_answer",
        ]
        posts = self.public_posts().order_by("pk")
        last_pk = 0
        number = 0
        with (
            self._open("posts.jsonl") as posts_fh,
            self._open("revisions.jsonl") as rev_fh,
        ):
            while True:
                chunk = list(posts.filter(pk__gt=last_pk).values_list(*fields)[:CHUNK])
                if not chunk:
                    break
                last_pk = chunk[-1][0]
                ids = [row[0] for row in chunk]
                likes: dict[int, list[int]] = defaultdict(list)
                for post_id, user_id in Like.objects.filter(
                    post_id__in=ids
                ).values_list("post_id", "user_id"):
                    likes[post_id].append(self.users[user_id])
                where: dict[int, tuple[int, int]] = {}
                for row in chunk:
                    (pk, topic_id, position, author_id, author_name, role, brand_id) = (
                        row[:7]
                    )
                    created, edited, body, hidden, hide_reason, official = row[7:]
                    number += 1
                    where[pk] = (self.topics[topic_id], position)
                    self._write(
                        posts_fh,
                        "posts",
                        {
                            "id": number,
                            "topic_id": self.topics[topic_id],
                            "position": position,
                            "user_id": self.users.get(author_id or 0),
                            "author_name": author_name,
                            "author_role": role,
                            "brand_id": self.brands.get(brand_id or 0),
                            "created_at": iso(created),
                            "edited_at": iso(edited),
                            "body_md": body,
                            "likes": sorted(likes.get(pk, [])),
                            "is_hidden": hidden,
                            "hide_reason": hide_reason,
                            "is_official_answer": official,
                        },
                    )
                revisions = (
                    PostRevision.objects.filter(post_id__in=ids)
                    .order_by("post_id", "number")
                    .values_list(
                        "post_id",
                        "number",
                        "title",
                        "body_source",
                        "author_id",
                        "author_name",
                        "created_at",
                    )
                )
                for (
                    post_id,
                    rev,
                    title,
                    body,
                    author_id,
                    author_name,
                    created,
                ) in revisions:
                    topic, position = where[post_id]
                    self._write(
                        rev_fh,
                        "revisions",
                        {
                            "topic_id": topic,
                            "position": position,
                            "number": rev,
                            "title": title,
                            "body_md": body,
                            "user_id": self.users.get(author_id or 0),
                            "author_name": author_name,
                            "created_at": iso(created),
                        },
                    )

    def write_idea_votes(self) -> None:
        votes = IdeaVote.objects.filter(topic_id__in=self.public_topics().values("pk"))
        rows = votes.order_by("pk").values_list(
            "topic_id", "user_id", "is_staff_vote", "created_at"
        )
        with self._open("idea_votes.jsonl") as fh:
            for topic_id, user_id, staff, created in rows.iterator(chunk_size=CHUNK):
                self._write(
                    fh,
                    "idea_votes",
                    {
                        "topic_id": self.topics[topic_id],
                        "user_id": self.users[user_id],
                        "is_staff_vote": staff,
                        "created_at": iso(created),
                    },
                )

    def write_idea_decisions(self) -> None:
        decisions = IdeaDecision.objects.filter(
            topic_id__in=self.public_topics().values("pk")
        ).order_by("pk")
        with self._open("idea_decisions.jsonl") as fh:
            for d in decisions.iterator(chunk_size=CHUNK):
                self._write(
                    fh,
                    "idea_decisions",
                    {
                        "topic_id": self.topics[d.topic_id],
                        "user_id": self.users.get(d.owner_id or 0),
                        "owner_name": d.owner_name,
                        "brand_id": self.brands.get(d.brand_id or 0),
                        "brand_label": d.brand_label,
                        "previous_status": d.previous_status,
                        "status": d.status,
                        "rationale_md": d.rationale_source,
                        "created_at": iso(d.created_at),
                    },
                )

    def write_polls(self) -> None:
        """Questions and options; never who voted for what (docs/decisions.md,
        "Polls"), so no votes either: counts alone could not be imported."""
        polls = Poll.objects.filter(
            topic_id__in=self.public_topics().values("pk")
        ).order_by("pk")
        options: dict[int, list[str]] = defaultdict(list)
        for poll_id, text in (
            PollOption.objects.filter(poll__in=polls)
            .order_by("poll_id", "position")
            .values_list("poll_id", "text")
        ):
            options[poll_id].append(text)
        with self._open("polls.jsonl") as fh:
            for poll in polls.iterator(chunk_size=CHUNK):
                self._write(
                    fh,
                    "polls",
                    {
                        "topic_id": self.topics[poll.topic_id],
                        "user_id": self.users.get(poll.author_id or 0),
                        "question": poll.question,
                        "kind": poll.kind,
                        "max_choices": poll.max_choices,
                        "show_results": poll.show_results,
                        "closes_at": iso(poll.closes_at),
                        "closed_at": iso(poll.closed_at),
                        "created_at": iso(poll.created_at),
                        "options": options.get(poll.pk, []),
                    },
                )

    def write_moderation_log(self) -> None:
        """The public moderation log: the actor's role and alias, never their
        name (staff-only); entries about what is not exported are left out."""
        actions = (
            ModerationAction.objects.filter(
                Q(category__isnull=True) | Q(category_id__in=list(self.categories))
            )
            .order_by("pk")
            .values_list(
                "post_id",
                "kind",
                "actor_role",
                "actor_alias",
                "rule_text",
                "reason",
                "category_id",
                "topic_id",
                "post__topic_id",
                "post__number",
                "target_user_id",
                "target_name",
                "created_at",
                "reversed_at",
            )
        )
        with self._open("moderation_log.jsonl") as fh:
            for chunk in _chunks(actions.iterator(chunk_size=CHUNK)):
                post_ids = {row[0] for row in chunk if row[0] is not None}
                exported = set(
                    self.public_posts()
                    .filter(pk__in=post_ids)
                    .values_list("pk", flat=True)
                )
                for row in chunk:
                    self._write_action(fh, row, exported)

    def _write_action(self, fh: IO[str], row: Any, exported: set[int]) -> None:
        post_id = row[0]
        (kind, role, alias, rule_text, reason, category_id, topic_id) = row[1:8]
        (post_topic, post_number, target_user, target_name) = row[8:12]
        created, reversed_at = row[12:]
        post_position = post_number if post_id in exported else None
        self._write(
            fh,
            "moderation_log",
            {
                "kind": kind,
                "actor_role": role,
                "actor_alias": alias,
                "rule_text": rule_text,
                "reason": reason,
                "category_id": self.categories.get(category_id or 0),
                "topic_id": self.topics.get(topic_id or 0),
                "post_position": post_position,
                "post_topic_id": self.topics.get(post_topic or 0)
                if post_position is not None
                else None,
                "user_id": self.users.get(target_user or 0),
                "target_name": target_name,
                "created_at": iso(created),
                "reversed_at": iso(reversed_at),
            },
        )

    def write_manifest(self) -> None:
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "scope": "public",
            "emails": self.emails,
            "files": [
                {
                    "name": name,
                    "records": self.result.counts.get(name.removesuffix(".jsonl"), 0),
                    "sha256": sha256(self.directory / name),
                }
                for name in FILES
            ],
        }
        with self._open(MANIFEST) as fh:
            json.dump(manifest, fh, indent=2, sort_keys=True)
            fh.write("\n")


def write_export(
    directory: Path, *, emails: bool = False, progress: Progress | None = None
) -> ExportResult:
    """Write the public community into *directory* (created if needed)."""
    return Exporter(directory, emails=emails, progress=progress).run()
