"""Import a forum export in the neutral JSON-lines format.

The format is documented in docs/import-format.md (``bench/dataset.py``
generates it): a directory with ``categories.jsonl``, ``users.jsonl``, ``topics.jsonl`` and
``posts.jsonl``, one JSON object per line (see ``FIELDS`` below). Format 2
(docs/export-format.md, what ``export_forum`` writes) adds a ``manifest.json``,
more fields and six optional files (brands, revisions, idea votes and
decisions, polls, the moderation log), imported the same way. It is the
benchmark's fixture and Hearth's migration path for a community arriving from
another forum engine.

Why this module writes rows without going through ``forum.actions``
--------------------------------------------------------------------
Every state change in Hearth goes through an action (docs/architecture.md).
The importer is the one deliberate exception, because an import is a
*migration*, not activity:

* actions emit an outbox event per change; replaying years of history through
  them would notify every watcher of every old post (a notification storm)
  and enqueue hundreds of thousands of tasks;
* actions apply today's rules to yesterday's content (posting limits, slow
  mode, duplicate checks, mention validation, minimum title length) and would
  refuse history the old forum accepted;
* one action per row costs ~20 queries; bulk inserts in batches are what
  makes 200,000 posts import in minutes.

What the actions would have maintained is computed once at the end instead,
set-based: topic and category counters (``resync_counters``), last-post
pointers, read positions (an author has read a topic up to their last post in
it), topic watches (authors watch topics they posted in, as ``_auto_watch``
does), trust levels, and the search vectors (one UPDATE per batch).

Safety
------
* Every record is validated (types, required fields, references, lengths).
  A bad record is reported with ``file:line`` and the reason, and the import
  goes on with the rest.
* Re-runnable and resumable: the table ``forum_import_key`` maps source ids to
  Hearth ids per ``source`` label, and holds a cursor (the last line of
  ``posts.jsonl`` committed). Each batch and its bookkeeping commit in one
  transaction, so Ctrl-C or a crash at any point loses at most the batch in
  flight, and a re-run skips what exists.
* Imported members get an unusable password and a verified primary email
  address, so they sign in by resetting their password. Everyone is imported
  as a member: an import never grants moderation or admin powers (the
  source's staff accounts are listed in the summary, to be promoted by hand).
* Markdown goes through ``forum.markup.render_post_body``, the one sanitizer,
  in a pool of worker processes. ``@name`` of a known user becomes a mention
  link; unknown names stay plain text (no validation error, no notification).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import TextIOBase
from pathlib import Path
from typing import Any, TextIO

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.validators import validate_email
from django.db import connection, connections, transaction
from django.db.models import Count, F, Max, Model, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.text import slugify

from accounts.models import Brand, User
from accounts.roles import PostRole, Role
from accounts.trust import recompute_trust_levels
from forum.markup import MarkupError, html_to_text, render_post_body
from forum.models import (
    Category,
    CategoryKind,
    IdeaStatus,
    Like,
    Post,
    PostRevision,
    ReadState,
    Tag,
    Topic,
)
from ideas.models import Idea, IdeaDecision, IdeaVote
from moderation.models import ActionKind, ModerationAction
from notifications.models import TopicWatch, WatchLevel
from polls.models import Poll, PollOption

TABLE = "forum_import_key"
POSTS_CURSOR = "cursor"
USERNAME_RE = re.compile(r"^[\w.@+-]{1,150}$")
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,80}$")
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_BODY_CHARS = 100_000
# Format 1 is the four files of docs/import-format.md; format 2 adds a
# manifest and the files of docs/export-format.md (what export_forum writes).
FORMAT = "hearth-forum-export"
FORMAT_VERSION = 2
MANIFEST = "manifest.json"

FIELDS: dict[str, dict[str, tuple[type, ...]]] = {
    "category": {"id": (int,), "title": (str,)},
    "brand": {"id": (int,), "name": (str,)},
    "user": {"id": (int,), "username": (str,)},
    "topic": {
        "id": (int,),
        "category_id": (int,),
        "title": (str,),
        "created_at": (str,),
    },
    "post": {
        "id": (int,),
        "topic_id": (int,),
        "position": (int,),
        "created_at": (str,),
        "body_md": (str,),
    },
}


class ImportFormatError(Exception):
    """The directory is not something this version can import."""


class BadRecord(Exception):
    """A record that cannot be imported; the message says why."""


@dataclass
class Problem:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class Report:
    created: dict[str, int] = field(default_factory=dict)
    existing: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    staff_usernames: list[str] = field(default_factory=list)
    resumed_from_line: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)

    def add(self, kind: str, n: int = 1, *, existing: bool = False) -> None:
        counter = self.existing if existing else self.created
        counter[kind] = counter.get(kind, 0) + n


# --- Validation helpers ----------------------------------------------------------------


def _check_fields(kind: str, record: Any) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise BadRecord("not a JSON object")
    for name, types in FIELDS[kind].items():
        if name not in record or record[name] is None:
            raise BadRecord(f"missing field {name!r}")
        value = record[name]
        if isinstance(value, bool) or not isinstance(value, types):
            raise BadRecord(
                f"field {name!r} must be {' or '.join(t.__name__ for t in types)}"
            )
    if record["id"] < 1:
        raise BadRecord("field 'id' must be a positive integer")
    return record


def _datetime(record: dict[str, Any], name: str) -> datetime:
    value = record.get(name)
    if not isinstance(value, str):
        raise BadRecord(f"field {name!r} must be an ISO 8601 date-time string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadRecord(
            f"field {name!r} is not an ISO 8601 date-time: {value!r}"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _bool(record: dict[str, Any], name: str) -> bool:
    value = record.get(name, False)
    if not isinstance(value, bool):
        raise BadRecord(f"field {name!r} must be true or false")
    return value


def _text(record: dict[str, Any], name: str, *, default: str = "") -> str:
    value = record.get(name, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise BadRecord(f"field {name!r} must be a string")
    return value


def read_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, decoded object or BadRecord) for each non-blank line."""
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, BadRecord(f"invalid JSON: {exc.msg}")


def count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


# --- Markdown rendering in worker processes -----------------------------------------------

_MENTIONS: dict[str, str] = {}


def _init_worker(mentions: dict[str, str]) -> None:
    global _MENTIONS
    _MENTIONS = mentions


def render_batch(bodies: list[str]) -> list[tuple[str, str] | str]:
    """(html, text) for each Markdown body, or the error message."""
    out: list[tuple[str, str] | str] = []
    for body in bodies:
        try:
            html = str(render_post_body(body, mentions=_MENTIONS))
        except MarkupError as exc:
            out.append(str(exc) or "the Markdown could not be rendered")
            continue
        out.append((html, html_to_text(html)))
    return out


# --- The importer ------------------------------------------------------------------------


class Importer:
    def __init__(
        self,
        directory: Path | str,
        *,
        source: str | None = None,
        batch_size: int = 2000,
        workers: int | None = None,
        progress: bool = True,
        out: TextIO | TextIOBase | None = None,
        finalize: bool = True,
    ) -> None:
        self.directory = Path(directory)
        self.source = (source or self.directory.resolve().name)[:100]
        self.batch_size = batch_size
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self.progress = progress
        self.out = out or sys.stdout
        self.finalize_at_end = finalize
        self.report = Report()
        self.users: dict[int, int] = {}
        self.user_names: dict[int, str] = {}
        self.categories: dict[int, int] = {}
        self.topics: dict[int, int] = {}
        self.brands: dict[int, int] = {}
        self.tags: dict[str, int] = {}
        self.accepted: dict[int, int] = {}
        self.has_revisions = False

    # --- bookkeeping table ---

    def _keys(self, kind: str) -> dict[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT source_id, target_id FROM {TABLE} WHERE source = %s AND kind = %s",  # noqa: S608
                [self.source, kind],
            )
            return dict(cursor.fetchall())

    def _save_keys(self, kind: str, pairs: list[tuple[int, int]]) -> None:
        if not pairs:
            return
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {TABLE} (source, kind, source_id, target_id) VALUES (%s, %s, %s, %s)",  # noqa: S608
                [(self.source, kind, s, t) for s, t in pairs],
            )

    def _set_cursor(self, line: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {TABLE} WHERE source = %s AND kind = %s",  # noqa: S608
                [self.source, POSTS_CURSOR],
            )
        self._save_keys(POSTS_CURSOR, [(0, line)])

    def _author(self, record: dict[str, Any]) -> tuple[int | None, str]:
        """The author's Hearth id and the name shown: an export (format 2)
        may carry a post without an account (``user_id`` null) and the
        name snapshot taken when it was written."""
        source = record.get("user_id")
        snapshot = _text(record, "author_name").strip()[:150]
        if source is None:
            if not snapshot:
                raise BadRecord("missing field 'user_id'")
            return None, snapshot
        if isinstance(source, bool) or not isinstance(source, int):
            raise BadRecord("field 'user_id' must be int")
        author_id = self.users.get(source)
        if author_id is None:
            raise BadRecord(f"unknown user_id {source}")
        return author_id, snapshot or self.user_names[author_id]

    def _tag(self, name: str) -> int:
        if name not in self.tags:
            tag = Tag.objects.filter(name=name).first()
            if tag is None:
                slug = slugify(name)[:30] or "tag"
                if Tag.objects.filter(slug=slug).exists():
                    slug = f"{slug[:24]}-{Tag.objects.count()}"
                tag = Tag.objects.create(name=name, slug=slug)
            self.tags[name] = tag.pk
        return self.tags[name]

    def _problem(self, file: str, line: int, reason: str) -> None:
        self.report.problems.append(Problem(file, line, reason))

    def _warn(self, file: str, line: int, reason: str) -> None:
        self.report.warnings.append(Problem(file, line, reason))

    def _records(self, name: str) -> Iterator[tuple[int, dict[str, Any]]]:
        kind = name.removesuffix("s.jsonl").replace("categorie", "category")
        path = self.directory / name
        for line, record in read_jsonl(path):
            if isinstance(record, BadRecord):
                self._problem(name, line, str(record))
                continue
            try:
                yield line, _check_fields(kind, record)
            except BadRecord as exc:
                self._problem(name, line, str(exc))

    # --- phases ---

    def read_manifest(self) -> dict[str, Any]:
        """manifest.json of a Hearth export (format 2); {} for format 1."""
        path = self.directory / MANIFEST
        if not path.is_file():
            return {}
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ImportFormatError(f"{path}: not JSON ({exc})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ImportFormatError(f"{path}: not a {FORMAT} manifest")
        version = manifest.get("version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise ImportFormatError(
                f"{path}: format version {version!r}; this Hearth reads up to "
                f"{FORMAT_VERSION}"
            )
        return manifest

    def run(self) -> Report:
        started = time.perf_counter()
        self.read_manifest()
        for name in ("categories.jsonl", "users.jsonl", "topics.jsonl", "posts.jsonl"):
            if not (self.directory / name).is_file():
                raise FileNotFoundError(f"{self.directory / name} is missing")
        self.has_revisions = (self.directory / "revisions.jsonl").is_file()
        phases = [
            self.import_categories,
            self.import_brands,
            self.import_users,
            self.import_topics,
            self.import_posts,
            self.import_revisions,
            self.import_idea_votes,
            self.import_idea_decisions,
            self.import_polls,
            self.import_moderation_log,
        ]
        for phase in phases:
            t0 = time.perf_counter()
            phase()
            self.report.phases[phase.__name__.removeprefix("import_")] = (
                time.perf_counter() - t0
            )
        if self.finalize_at_end:
            t0 = time.perf_counter()
            self.finalize()
            self.report.phases["finalize"] = time.perf_counter() - t0
        self.report.seconds = time.perf_counter() - started
        return self.report

    def import_categories(self) -> None:
        self.categories = self._keys("category")
        name = "categories.jsonl"
        for line, record in self._records(name):
            source_id = record["id"]
            if source_id in self.categories:
                self.report.add("categories", existing=True)
                continue
            try:
                title = " ".join(record["title"].split())
                if not title or len(title) > 80:
                    raise BadRecord("title must have 1 to 80 characters")
                slug = _text(record, "slug") or slugify(title)
                if not SLUG_RE.match(slug):
                    raise BadRecord(f"invalid slug {slug!r}")
                position = record.get("position", 0)
                if isinstance(position, bool) or not isinstance(position, int):
                    raise BadRecord("field 'position' must be an integer")
                description = _text(record, "description")
                parent_id = None
                if record.get("parent_id") is not None:
                    parent_id = self.categories.get(record["parent_id"])
                    if parent_id is None:
                        raise BadRecord(f"unknown parent_id {record['parent_id']}")
                colour = _text(record, "colour") or "#3b6ea5"
                if not COLOUR_RE.match(colour):
                    raise BadRecord(f"invalid colour {colour!r}")
                kind = _text(record, "kind") or CategoryKind.DISCUSSION
                if kind not in CategoryKind.values:
                    raise BadRecord(f"unknown kind {kind!r}")
            except BadRecord as exc:
                self._problem(name, line, str(exc))
                continue
            with transaction.atomic():
                category = Category.objects.filter(slug=slug).first()
                if category is None:
                    category = Category.objects.create(
                        name=title,
                        slug=slug,
                        description=description,
                        position=max(0, position),
                        parent_id=parent_id,
                        colour=colour,
                        kind=kind,
                    )
                    self.report.add("categories")
                else:
                    self.report.add("categories", existing=True)
                self._save_keys("category", [(source_id, category.pk)])
            self.categories[source_id] = category.pk

    def import_users(self) -> None:
        self.users = self._keys("user")
        name = "users.jsonl"
        seen_names: set[str] = set()
        pending: list[tuple[int, int, User]] = []
        self.report.add("users", len(self.users), existing=True)
        for line, record in self._records(name):
            source_id = record["id"]
            if record.get("is_staff") is True:
                self.report.staff_usernames.append(record["username"])
            if source_id in self.users:
                continue
            try:
                username = record["username"]
                if not USERNAME_RE.match(username):
                    raise BadRecord(f"invalid username {username!r}")
                if username.lower() in seen_names:
                    raise BadRecord(f"duplicate username {username!r}")
                # A public export (format 2) has no addresses: the member
                # gets one by asking an administrator (docs/export-format.md).
                email = _text(record, "email").strip()
                if email or "email" in record:
                    try:
                        validate_email(email)
                    except ValidationError:
                        raise BadRecord(f"invalid email address {email!r}") from None
                display_name = " ".join(_text(record, "display_name").split())
                if len(display_name) > 60:
                    self._warn(name, line, "display_name cut to 60 characters")
                    display_name = display_name[:60]
                bio = _text(record, "bio_md")
                if len(bio) > 1000:
                    self._warn(name, line, "bio_md cut to 1,000 characters")
                    bio = bio[:1000]
                joined = (
                    _datetime(record, "joined_at") if "joined_at" in record else None
                )
                _bool(record, "is_staff")
            except BadRecord as exc:
                self._problem(name, line, str(exc))
                continue
            seen_names.add(username.lower())
            user = User(
                username=username,
                email=email,
                display_name=display_name,
                bio=bio,
                role=Role.MEMBER,
                password=make_password(None),
            )
            if joined is not None:
                user.date_joined = joined
            pending.append((line, source_id, user))
            if len(pending) >= self.batch_size:
                self._create_users(pending)
                pending = []
        self._create_users(pending)
        for pk, username, display_name in User.objects.filter(
            pk__in=self.users.values()
        ).values_list("pk", "username", "display_name"):
            self.user_names[pk] = display_name or username

    def _create_users(self, pending: list[tuple[int, int, User]]) -> None:
        if not pending:
            return
        existing = {
            user.username: user
            for user in User.objects.filter(
                username__in=[u.username for _, _, u in pending]
            )
        }
        with transaction.atomic():
            new: list[tuple[int, User]] = []
            adopted: list[tuple[int, int]] = []
            for line, source_id, user in pending:
                other = existing.get(user.username)
                if other is None:
                    new.append((source_id, user))
                elif other.email.lower() == user.email.lower():
                    adopted.append((source_id, other.pk))
                else:
                    self._problem(
                        "users.jsonl",
                        line,
                        f"username {user.username!r} belongs to another account here",
                    )
            created = User.objects.bulk_create([u for _, u in new])
            EmailAddress.objects.bulk_create(
                [
                    EmailAddress(user=u, email=u.email, verified=True, primary=True)
                    for u in created
                    if u.email
                ],
                ignore_conflicts=True,
            )
            pairs = [(s, u.pk) for (s, _), u in zip(new, created, strict=True)]
            self._save_keys("user", pairs + adopted)
        self.users.update(pairs + adopted)
        self.report.add("users", len(pairs))
        self.report.add("users", len(adopted), existing=True)

    def import_topics(self) -> None:
        self.topics = self._keys("topic")
        name = "topics.jsonl"
        self.report.add("topics", len(self.topics), existing=True)
        pending: list[tuple[int, Topic]] = []
        for line, record in self._records(name):
            source_id = record["id"]
            if source_id in self.topics:
                continue
            try:
                category_id = self.categories.get(record["category_id"])
                if category_id is None:
                    raise BadRecord(f"unknown category_id {record['category_id']}")
                author_id, author_name = self._author(record)
                title = " ".join(record["title"].split())
                if not title:
                    raise BadRecord("empty title")
                if len(title) > 150:
                    self._warn(name, line, "title cut to 150 characters")
                    title = title[:150]
                created_at = _datetime(record, "created_at")
                is_pinned = _bool(record, "is_pinned")
                is_closed = _bool(record, "is_closed")
                is_locked = _bool(record, "is_locked")
                idea_status = _text(record, "idea_status")
                if idea_status not in IdeaStatus.values:
                    raise BadRecord(f"unknown idea_status {idea_status!r}")
                tags = record.get("tags") or []
                if not isinstance(tags, list) or not all(
                    isinstance(t, str) and 0 < len(t) <= 30 for t in tags
                ):
                    raise BadRecord("field 'tags' must be a list of short names")
                accepted = record.get("accepted_position")
                if accepted is not None and (
                    isinstance(accepted, bool) or not isinstance(accepted, int)
                ):
                    raise BadRecord("field 'accepted_position' must be an integer")
            except BadRecord as exc:
                self._problem(name, line, str(exc))
                continue
            topic = Topic(
                category_id=category_id,
                title=title,
                slug=slugify(title)[:160] or "topic",
                author_id=author_id,
                author_name=author_name,
                created_at=created_at,
                last_posted_at=created_at,
                last_poster_name=author_name,
                is_pinned=is_pinned,
                is_closed=is_closed,
                is_locked=is_locked,
                idea_status=idea_status,
            )
            topic._import_tags = tags  # type: ignore[attr-defined]
            topic._import_accepted = accepted  # type: ignore[attr-defined]
            pending.append((source_id, topic))
            if len(pending) >= self.batch_size:
                self._create_topics(pending)
                pending = []
        self._create_topics(pending)

    def _create_topics(self, pending: list[tuple[int, Topic]]) -> None:
        if not pending:
            return
        with transaction.atomic():
            created = Topic.objects.bulk_create([t for _, t in pending])
            pairs = [(s, t.pk) for (s, _), t in zip(pending, created, strict=True)]
            self._save_keys("topic", pairs)
            Topic.tags.through.objects.bulk_create(
                [
                    Topic.tags.through(topic_id=t.pk, tag_id=self._tag(name))
                    for t in created
                    for name in dict.fromkeys(getattr(t, "_import_tags", []))
                ],
                ignore_conflicts=True,
            )
            for t in created:
                if getattr(t, "_import_accepted", None) is not None:
                    self.accepted[t.pk] = t._import_accepted  # type: ignore[attr-defined]
        self.topics.update(pairs)
        self.report.add("topics", len(pairs))

    # --- format 2: brands before users, the rest after the posts ---

    def import_brands(self) -> None:
        self.brands = self._keys("brand")
        name = "brands.jsonl"
        if not (self.directory / name).is_file():
            return
        for line, record in self._records(name):
            source_id = record["id"]
            if source_id in self.brands:
                continue
            try:
                brand_name = " ".join(record["name"].split())[:80]
                slug = _text(record, "slug") or slugify(brand_name)
                if not brand_name or not SLUG_RE.match(slug):
                    raise BadRecord(f"invalid brand name or slug {slug!r}")
                colour = _text(record, "colour") or "#5b6b7a"
                if not COLOUR_RE.match(colour):
                    raise BadRecord(f"invalid colour {colour!r}")
            except BadRecord as exc:
                self._problem(name, line, str(exc))
                continue
            with transaction.atomic():
                brand = Brand.objects.filter(slug=slug).first()
                if brand is None:
                    brand = Brand.objects.create(
                        name=brand_name,
                        slug=slug,
                        colour=colour,
                        description=_text(record, "description"),
                        support_url=_text(record, "support_url")[:200],
                    )
                    self.report.add("brands")
                else:
                    self.report.add("brands", existing=True)
                self._save_keys("brand", [(source_id, brand.pk)])
            self.brands[source_id] = brand.pk

    def _rows(
        self,
        name: str,
        build: Callable[[dict[str, Any]], Model],
        *,
        after: Callable[[list[Model]], None] | None = None,
        ignore_conflicts: bool = False,
    ) -> None:
        """Import an optional file of format 2 in batches, each committed with
        its cursor (resumable like the posts). *build* turns a record into an
        unsaved row; a row with ``_post_key`` (topic, position) gets its post."""
        path = self.directory / name
        if not path.is_file():
            return
        kind = name.removesuffix(".jsonl")
        cursor_kind = ("c:" + kind)[:16]
        cursor = self._keys(cursor_kind).get(0, 0)
        model = None
        pending: list[tuple[int, Model]] = []

        def flush(last_line: int) -> None:
            rows = self._attach_posts(name, pending)
            with transaction.atomic():
                if rows and model is not None:
                    created = model.objects.bulk_create(
                        rows, ignore_conflicts=ignore_conflicts
                    )
                    if after is not None:
                        after(created)
                with connection.cursor() as c:
                    c.execute(
                        f"DELETE FROM {TABLE} WHERE source = %s AND kind = %s",  # noqa: S608
                        [self.source, cursor_kind],
                    )
                self._save_keys(cursor_kind, [(0, last_line)])
            self.report.add(kind.replace("_", " "), len(rows))

        last_line = cursor
        for line, record in read_jsonl(path):
            if line <= cursor:
                continue
            last_line = line
            if isinstance(record, BadRecord):
                self._problem(name, line, str(record))
                continue
            try:
                if not isinstance(record, dict):
                    raise BadRecord("not a JSON object")
                row = build(record)
            except BadRecord as exc:
                self._problem(name, line, str(exc))
                continue
            model = type(row)
            pending.append((line, row))
            if len(pending) >= self.batch_size:
                flush(last_line)
                pending = []
        flush(last_line)

    def _attach_posts(self, name: str, pending: list[tuple[int, Model]]) -> list[Model]:
        keys = {
            row._post_key  # type: ignore[attr-defined]
            for _, row in pending
            if getattr(row, "_post_key", None) is not None
        }
        found: dict[tuple[int, int], int] = {}
        if keys:
            for pk, topic_id, number in Post.objects.filter(
                topic_id__in={t for t, _ in keys}, number__in={n for _, n in keys}
            ).values_list("pk", "topic_id", "number"):
                found[(topic_id, number)] = pk
        rows = []
        for line, row in pending:
            key = getattr(row, "_post_key", None)
            if key is not None:
                if key not in found:
                    self._problem(name, line, "no post at that topic_id and position")
                    if row.__class__ is PostRevision:
                        continue
                    row.post_id = None  # type: ignore[attr-defined]
                else:
                    row.post_id = found[key]  # type: ignore[attr-defined]
            rows.append(row)
        return rows

    def _topic(self, record: dict[str, Any], name: str = "topic_id") -> int:
        source = record.get(name)
        if isinstance(source, bool) or not isinstance(source, int):
            raise BadRecord(f"field {name!r} must be int")
        topic_id = self.topics.get(source)
        if topic_id is None:
            raise BadRecord(f"unknown {name} {source}")
        return topic_id

    def _optional(
        self, mapping: dict[int, int], record: dict[str, Any], name: str
    ) -> int | None:
        source = record.get(name)
        if source is None:
            return None
        if (
            isinstance(source, bool)
            or not isinstance(source, int)
            or source not in mapping
        ):
            raise BadRecord(f"unknown {name} {source!r}")
        return mapping[source]

    def _required(
        self, mapping: dict[int, int], record: dict[str, Any], name: str
    ) -> int:
        found = self._optional(mapping, record, name)
        if found is None:
            raise BadRecord(f"missing field {name!r}")
        return found

    def _when(self, record: dict[str, Any], name: str) -> datetime | None:
        return _datetime(record, name) if record.get(name) is not None else None

    def import_revisions(self) -> None:
        def build(record: dict[str, Any]) -> Model:
            topic_id = self._topic(record)
            position, number = record.get("position"), record.get("number")
            if not all(isinstance(v, int) and v > 0 for v in (position, number)):
                raise BadRecord(
                    "fields 'position' and 'number' must be positive integers"
                )
            author_id, author_name = self._author(record)
            revision = PostRevision(
                number=int(number),  # type: ignore[arg-type]
                title=_text(record, "title")[:150],
                body_source=_text(record, "body_md"),
                author_id=author_id,
                author_name=author_name,
                created_at=_datetime(record, "created_at"),
            )
            revision._post_key = (topic_id, position)  # type: ignore[attr-defined]
            return revision

        self._rows("revisions.jsonl", build, ignore_conflicts=True)

    def import_idea_votes(self) -> None:
        def build(record: dict[str, Any]) -> Model:
            return IdeaVote(
                topic_id=self._topic(record),
                user_id=self._required(self.users, record, "user_id"),
                is_staff_vote=_bool(record, "is_staff_vote"),
                created_at=_datetime(record, "created_at"),
            )

        self._rows("idea_votes.jsonl", build, ignore_conflicts=True)

    def import_idea_decisions(self) -> None:
        def build(record: dict[str, Any]) -> Model:
            statuses = [_text(record, "previous_status"), _text(record, "status")]
            if any(s not in IdeaStatus.values for s in statuses):
                raise BadRecord(f"unknown status in {statuses!r}")
            rationale = _text(record, "rationale_md")
            if not rationale.strip() or len(rationale) > MAX_BODY_CHARS:
                raise BadRecord("rationale_md must not be empty or too long")
            try:
                html = str(render_post_body(rationale))
            except MarkupError as exc:
                raise BadRecord(f"rationale_md: {exc}") from None
            return IdeaDecision(
                topic_id=self._topic(record),
                owner_id=self._optional(self.users, record, "user_id"),
                owner_name=_text(record, "owner_name")[:150],
                brand_id=self._optional(self.brands, record, "brand_id"),
                brand_label=_text(record, "brand_label")[:120],
                previous_status=statuses[0],
                status=statuses[1],
                rationale_source=rationale,
                rationale_html=html,
                created_at=_datetime(record, "created_at"),
            )

        self._rows("idea_decisions.jsonl", build)

    def import_polls(self) -> None:
        def build(record: dict[str, Any]) -> Model:
            options = record.get("options")
            if (
                not isinstance(options, list)
                or not 2 <= len(options) <= 20
                or not all(isinstance(o, str) and 0 < len(o) <= 200 for o in options)
            ):
                raise BadRecord("field 'options' must be 2 to 20 short texts")
            kind = _text(record, "kind") or Poll.Kind.SINGLE
            if kind not in Poll.Kind.values:
                raise BadRecord(f"unknown poll kind {kind!r}")
            show = _text(record, "show_results") or Poll.ShowResults.AFTER_VOTE
            if show not in Poll.ShowResults.values:
                raise BadRecord(f"unknown show_results {show!r}")
            max_choices = record.get("max_choices")
            if max_choices is not None and (
                kind != Poll.Kind.MULTIPLE
                or not isinstance(max_choices, int)
                or max_choices < 1
            ):
                raise BadRecord("max_choices only for a multiple-choice poll")
            question = _text(record, "question").strip()[:200]
            if not question:
                raise BadRecord("empty question")
            poll = Poll(
                topic_id=self._topic(record),
                author_id=self._optional(self.users, record, "user_id"),
                question=question,
                kind=kind,
                max_choices=max_choices,
                show_results=show,
                closes_at=self._when(record, "closes_at"),
                closed_at=self._when(record, "closed_at"),
                created_at=_datetime(record, "created_at"),
            )
            poll._options = options  # type: ignore[attr-defined]
            return poll

        def after(polls: list[Model]) -> None:
            PollOption.objects.bulk_create(
                [
                    PollOption(poll_id=poll.pk, position=i, text=text)
                    for poll in polls
                    for i, text in enumerate(poll._options, 1)  # type: ignore[attr-defined]
                ]
            )
            Topic.objects.filter(pk__in=[p.topic_id for p in polls]).update(  # type: ignore[attr-defined]
                has_poll=True
            )

        self._rows("polls.jsonl", build, after=after)

    def import_moderation_log(self) -> None:
        def build(record: dict[str, Any]) -> Model:
            kind = _text(record, "kind")
            if kind not in ActionKind.values:
                raise BadRecord(f"unknown kind {kind!r}")
            alias = _text(record, "actor_alias")[:40]
            action = ModerationAction(
                kind=kind,
                actor=None,
                # Names of moderators are staff-only and not exported.
                actor_name=alias,
                actor_role=_text(record, "actor_role")[:16],
                actor_alias=alias,
                rule_text=_text(record, "rule_text")[:200],
                reason=_text(record, "reason"),
                category_id=self._optional(self.categories, record, "category_id"),
                topic_id=self._optional(self.topics, record, "topic_id"),
                target_user_id=self._optional(self.users, record, "user_id"),
                target_name=_text(record, "target_name")[:150],
                created_at=_datetime(record, "created_at"),
                reversed_at=self._when(record, "reversed_at"),
            )
            if record.get("post_position") is not None:
                position = record["post_position"]
                if not isinstance(position, int) or position < 1:
                    raise BadRecord("field 'post_position' must be a positive integer")
                action._post_key = (  # type: ignore[attr-defined]
                    self._topic(record, "post_topic_id"),
                    position,
                )
            return action

        self._rows("moderation_log.jsonl", build)

    # --- posts: validated here, rendered in worker processes, inserted here ---

    def import_posts(self) -> None:
        name = "posts.jsonl"
        path = self.directory / name
        cursor = self._keys(POSTS_CURSOR).get(0, 0)
        self.report.resumed_from_line = cursor
        titles = dict(
            Topic.objects.filter(pk__in=self.topics.values()).values_list("pk", "title")
        )
        bar = self._progress_bar(count_lines(path), cursor)
        pool = None
        if self.workers > 1:
            mentions = {
                username.lower(): reverse("accounts:profile", args=[username])
                for username in User.objects.values_list("username", flat=True)
            }
            # Forked workers never use the database; closing the parent's
            # connection first keeps them from inheriting an open socket
            # (inside a transaction, e.g. in tests, it must stay open).
            if not connection.in_atomic_block:
                connections.close_all()
            pool = multiprocessing.get_context("fork").Pool(
                self.workers, initializer=_init_worker, initargs=(mentions,)
            )
        else:
            _init_worker(
                {
                    u.lower(): reverse("accounts:profile", args=[u])
                    for u in User.objects.values_list("username", flat=True)
                }
            )
        in_flight: deque[tuple[list[tuple[int, dict[str, Any]]], int, Any]] = deque()
        try:
            for batch, last_line in self._post_batches(path, cursor):
                bodies = [record["body_md"] for _, record in batch]
                if pool is None:
                    rendered: Any = render_batch(bodies)
                else:
                    rendered = pool.apply_async(render_batch, (bodies,))
                in_flight.append((batch, last_line, rendered))
                if len(in_flight) > self.workers:
                    self._insert_posts(*in_flight.popleft(), titles=titles, bar=bar)
            while in_flight:
                self._insert_posts(*in_flight.popleft(), titles=titles, bar=bar)
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()
            if bar is not None:
                bar.close()

    def _progress_bar(self, total: int, done: int) -> Any:
        if not self.progress:
            return None
        from tqdm import tqdm

        return tqdm(
            total=total,
            initial=done,
            unit=" posts",
            unit_scale=True,
            smoothing=0.1,
            desc="posts",
            file=sys.stderr,
        )

    def _post_batches(
        self, path: Path, cursor: int
    ) -> Iterator[tuple[list[tuple[int, dict[str, Any]]], int]]:
        name = path.name
        batch: list[tuple[int, dict[str, Any]]] = []
        last_line = cursor
        seen: set[tuple[int, int]] = set()
        for line, record in read_jsonl(path):
            if line <= cursor:
                continue
            last_line = line
            if isinstance(record, BadRecord):
                self._problem(name, line, str(record))
                continue
            try:
                _check_fields("post", record)
                topic_id = self.topics.get(record["topic_id"])
                if topic_id is None:
                    raise BadRecord(f"unknown topic_id {record['topic_id']}")
                author_id, author_name = self._author(record)
                role = _text(record, "author_role") or PostRole.MEMBER
                if role not in PostRole.values:
                    raise BadRecord(f"unknown author_role {role!r}")
                brand_id = None
                if record.get("brand_id") is not None:
                    brand_id = self.brands.get(record["brand_id"])
                    if brand_id is None:
                        raise BadRecord(f"unknown brand_id {record['brand_id']}")
                record["_edited_at"] = (
                    _datetime(record, "edited_at")
                    if record.get("edited_at") is not None
                    else None
                )
                record["_is_hidden"] = _bool(record, "is_hidden")
                record["_hide_reason"] = _text(record, "hide_reason")
                record["_official"] = _bool(record, "is_official_answer")
                if record["position"] < 1:
                    raise BadRecord("field 'position' must be 1 or more")
                if (topic_id, record["position"]) in seen:
                    raise BadRecord(
                        f"duplicate position {record['position']} in topic {record['topic_id']}"
                    )
                if not record["body_md"].strip():
                    raise BadRecord("empty body_md")
                if len(record["body_md"]) > MAX_BODY_CHARS:
                    raise BadRecord(
                        f"body_md longer than {MAX_BODY_CHARS:,} characters"
                    )
                record["_created_at"] = _datetime(record, "created_at")
                likes = record.get("likes", [])
                if not isinstance(likes, list) or not all(
                    isinstance(x, int) and not isinstance(x, bool) for x in likes
                ):
                    raise BadRecord("field 'likes' must be a list of user ids")
            except BadRecord as exc:
                self._problem(name, line, str(exc))
                continue
            seen.add((topic_id, record["position"]))
            record["_topic"] = topic_id
            record["_author"] = author_id
            record["_author_name"] = author_name
            record["_role"] = role
            record["_brand"] = brand_id
            liker_ids = []
            for source_user in dict.fromkeys(likes):
                liker = self.users.get(source_user)
                if liker is None:
                    self._warn(
                        name, line, f"like by unknown user_id {source_user} dropped"
                    )
                elif liker != author_id:
                    liker_ids.append(liker)
            record["_likes"] = liker_ids
            batch.append((line, record))
            if len(batch) >= self.batch_size:
                yield batch, last_line
                batch = []
        yield batch, last_line

    def _insert_posts(
        self,
        batch: list[tuple[int, dict[str, Any]]],
        last_line: int,
        rendered: Any,
        *,
        titles: dict[int, str],
        bar: Any,
    ) -> None:
        results = rendered if isinstance(rendered, list) else rendered.get()
        # A position already taken in Hearth (a re-run with another cursor, or
        # a topic adopted from a previous import) is skipped, never duplicated.
        taken = set(
            Post.objects.filter(
                topic_id__in={r["_topic"] for _, r in batch},
                number__in={r["position"] for _, r in batch},
            ).values_list("topic_id", "number")
        )
        posts: list[Post] = []
        likes: list[list[int]] = []
        for (line, record), result in zip(batch, results, strict=True):
            if isinstance(result, str):
                self._problem("posts.jsonl", line, f"body_md: {result}")
                continue
            if (record["_topic"], record["position"]) in taken:
                self.report.add("posts", existing=True)
                continue
            html, text = result
            author_id = record["_author"]
            posts.append(
                Post(
                    topic_id=record["_topic"],
                    number=record["position"],
                    author_id=author_id,
                    author_name=record["_author_name"],
                    author_role=record["_role"],
                    author_brand_id=record["_brand"],
                    body_source=record["body_md"],
                    body_html=html,
                    body_text=text,
                    created_at=record["_created_at"],
                    edited_at=record["_edited_at"],
                    like_count=len(record["_likes"]),
                    is_hidden=record["_is_hidden"],
                    hide_reason=record["_hide_reason"],
                    is_official_answer=record["_official"],
                )
            )
            likes.append(record["_likes"])
        with transaction.atomic():
            created = Post.objects.bulk_create(posts)
            # An export with revisions.jsonl brings the whole history instead.
            PostRevision.objects.bulk_create(
                []
                if self.has_revisions
                else [
                    PostRevision(
                        post=post,
                        number=1,
                        title=titles.get(post.topic_id, "") if post.number == 1 else "",
                        body_source=post.body_source,
                        author_id=post.author_id,
                        author_name=post.author_name,
                        created_at=post.created_at,
                    )
                    for post in created
                ]
            )
            Like.objects.bulk_create(
                [
                    Like(post=post, user_id=user_id)
                    for post, users in zip(created, likes, strict=True)
                    for user_id in users
                ]
            )
            self._update_search_vectors([p.pk for p in created])
            self._set_cursor(last_line)
        self.report.add("posts", len(created))
        self.report.add("likes", sum(len(u) for u in likes))
        if bar is not None:
            bar.update(last_line - bar.n)

    def _update_search_vectors(self, post_ids: list[int]) -> None:
        if connection.vendor != "postgresql" or not post_ids:
            return
        # The same vector forum.actions writes: title (A) on first posts, body (B).
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE forum_post AS p SET search_vector =
                    CASE WHEN p.number = 1
                         THEN setweight(to_tsvector('english'::regconfig, t.title), 'A')
                         ELSE ''::tsvector END
                    || setweight(to_tsvector('english'::regconfig, COALESCE(p.body_text, '')), 'B')
                FROM forum_topic AS t
                WHERE t.id = p.topic_id AND p.id = ANY(%s)
                """,
                [post_ids],
            )

    # --- once at the end, set-based ---

    def finalize(self) -> None:
        """Counters, last-post snapshots, read positions, watches, trust levels."""
        topic_ids = sorted(self.topics.values())
        live = Post.objects.filter(topic=OuterRef("pk"), deleted_at__isnull=True)
        newest = live.order_by("-number")
        for start in range(0, len(topic_ids), 5000):
            chunk = topic_ids[start : start + 5000]
            # A topic whose posts were all bad records keeps its own values.
            Topic.objects.filter(pk__in=chunk).update(
                last_posted_at=Coalesce(
                    Subquery(newest.values("created_at")[:1]), F("last_posted_at")
                ),
                last_poster_name=Coalesce(
                    Subquery(newest.values("author_name")[:1]), F("last_poster_name")
                ),
            )
        if self.has_revisions:
            self._revision_counts(topic_ids)
        self._accepted_answers()
        self._idea_counters(topic_ids)
        call_command("resync_counters", stdout=open(os.devnull, "w"))  # noqa: SIM115
        self._read_positions_and_watches(topic_ids)
        recompute_trust_levels(user_ids=list(self.users.values()))
        if connection.vendor == "postgresql":
            # The search-vector UPDATEs left a dead version of every post
            # behind; VACUUM reclaims it (a common-word search reads a third
            # of the pages after it) and ANALYZE gives the planner the sizes.
            # VACUUM cannot run in a transaction (tests): ANALYZE alone there.
            verb = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            with connection.cursor() as cursor:
                for table in (
                    "forum_post",
                    "forum_topic",
                    "forum_like",
                    "forum_readstate",
                    "forum_category",
                    "accounts_user",
                    "notifications_topicwatch",
                ):
                    cursor.execute(f"{verb} {table}")

    def _revision_counts(self, topic_ids: list[int]) -> None:
        counted = (
            PostRevision.objects.filter(post=OuterRef("pk"))
            .order_by()
            .values("post")
            .annotate(n=Count("pk"))
            .values("n")
        )
        for start in range(0, len(topic_ids), 2000):
            Post.objects.filter(topic_id__in=topic_ids[start : start + 2000]).update(
                revision_count=Coalesce(Subquery(counted[:1]), 1)
            )

    def _accepted_answers(self) -> None:
        pairs = list(self.accepted.items())
        for start in range(0, len(pairs), 2000):
            chunk = pairs[start : start + 2000]
            condition = Q(pk__in=[])
            for topic_id, number in chunk:
                condition |= Q(topic_id=topic_id, number=number)
            for pk, topic_id in Post.objects.filter(condition).values_list(
                "pk", "topic_id"
            ):
                Topic.objects.filter(pk=topic_id).update(
                    accepted_post_id=pk, is_solved=True
                )

    def _idea_counters(self, topic_ids: list[int]) -> None:
        """The counters ideas.actions keeps, for topics with votes or decisions."""
        voted = (
            IdeaVote.objects.filter(topic_id__in=topic_ids)
            .order_by()
            .values("topic_id")
            .annotate(
                community=Count("pk", filter=Q(is_staff_vote=False)),
                staff=Count("pk", filter=Q(is_staff_vote=True)),
            )
        )
        counts = {row["topic_id"]: row for row in voted}
        decided = set(
            IdeaDecision.objects.filter(topic_id__in=topic_ids).values_list(
                "topic_id", flat=True
            )
        )
        for topic_id in sorted(set(counts) | decided):
            row = counts.get(topic_id, {})
            Idea.objects.update_or_create(
                topic_id=topic_id,
                defaults={
                    "community_votes": row.get("community", 0),
                    "staff_votes": row.get("staff", 0),
                },
            )

    def _read_positions_and_watches(self, topic_ids: list[int]) -> None:
        for start in range(0, len(topic_ids), 2000):
            chunk = topic_ids[start : start + 2000]
            rows = list(
                Post.objects.filter(topic_id__in=chunk, author_id__isnull=False)
                .order_by()
                .values_list("author_id", "topic_id")
                .annotate(last=Max("number"))
            )
            ReadState.objects.bulk_create(
                [
                    ReadState(user_id=u, topic_id=t, last_read_number=n)
                    for u, t, n in rows
                ],
                batch_size=5000,
                ignore_conflicts=True,
            )
            TopicWatch.objects.bulk_create(
                [
                    TopicWatch(user_id=u, topic_id=t, level=WatchLevel.WATCHING)
                    for u, t, _ in rows
                ],
                batch_size=5000,
                ignore_conflicts=True,
            )
            self.report.add("read positions", len(rows))


def summary(
    report: Report, write: Callable[[str], Any], *, max_problems: int = 50
) -> None:
    """Write the human-readable summary of an import."""
    kinds = ["categories", "users", "topics", "posts", "likes", "read positions"]
    kinds += [
        kind
        for kind in (
            "brands",
            "revisions",
            "idea votes",
            "idea decisions",
            "polls",
            "moderation log",
        )
        if kind in report.created or kind in report.existing
    ]
    write("Import summary")
    for kind in kinds:
        created = report.created.get(kind, 0)
        existing = report.existing.get(kind, 0)
        extra = f" (already there: {existing:,})" if existing else ""
        verb = "computed" if kind == "read positions" else "imported"
        write(f"  {kind:<15} {created:>10,} {verb}{extra}")
    if report.resumed_from_line:
        write(f"  resumed after line {report.resumed_from_line:,} of posts.jsonl")
    write(f"  errors (records skipped): {len(report.problems):,}")
    for problem in report.problems[:max_problems]:
        write(f"    {problem}")
    if len(report.problems) > max_problems:
        write(f"    … and {len(report.problems) - max_problems:,} more")
    write(f"  warnings (records imported with a change): {len(report.warnings):,}")
    for problem in report.warnings[: max_problems // 5]:
        write(f"    {problem}")
    if report.staff_usernames:
        names = ", ".join(report.staff_usernames[:20])
        write(
            f"  staff in the source, imported as members (promote by hand if needed): {names}"
        )
    posts = report.created.get("posts", 0)
    rate = posts / report.seconds if report.seconds else 0.0
    phases = ", ".join(f"{k} {v:.1f}s" for k, v in report.phases.items())
    write(f"  time: {report.seconds:.1f} s ({rate:,.0f} posts/s; {phases})")
