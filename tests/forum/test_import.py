"""import_forum: a generated export imports completely, a re-run or a resume
after an interruption duplicates nothing, and bad records are reported with
their file and line while the rest is imported."""

import json
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.db.models import Count, Max

from accounts.models import User
from bench.dataset import generate
from forum import importer as importer_module
from forum.importer import Importer
from forum.markup import render_post_body
from forum.models import Category, Like, Post, PostRevision, ReadState, Topic
from notifications.models import Event, TopicWatch

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> Path:
    """A tiny export from the project's own generator (bench/dataset.py)."""
    out = tmp_path_factory.mktemp("export")
    generate(out, scale=0.002)
    return out


def _import(directory: Path, **kwargs) -> importer_module.Report:
    kwargs.setdefault("workers", 1)
    return Importer(directory, progress=False, batch_size=50, **kwargs).run()


def _write(directory: Path, name: str, lines: list) -> None:
    with (directory / name).open("w", encoding="utf-8") as fh:
        for line in lines:
            fh.write((line if isinstance(line, str) else json.dumps(line)) + "\n")


@pytest.fixture
def small(tmp_path) -> Path:
    """A hand-written export with one bad record of each sort."""
    _write(
        tmp_path,
        "categories.jsonl",
        [{"id": 1, "title": "General", "slug": "general", "position": 1}],
    )
    _write(
        tmp_path,
        "users.jsonl",
        [
            {
                "id": 1,
                "username": "alice",
                "email": "alice@example.com",
                "is_staff": True,
            },
            {"id": 2, "username": "bob", "email": "bob@example.com"},
            {"id": 3, "username": "carol", "email": "not-an-email"},  # line 3
        ],
    )
    _write(
        tmp_path,
        "topics.jsonl",
        [
            {
                "id": 1,
                "category_id": 1,
                "user_id": 1,
                "title": "Descaling",
                "created_at": "2024-01-01T10:00:00Z",
            },
            {  # line 2: unknown category
                "id": 2,
                "category_id": 9,
                "user_id": 1,
                "title": "Lost",
                "created_at": "2024-01-01T10:00:00Z",
            },
        ],
    )
    post = {"topic_id": 1, "created_at": "2024-01-01T10:00:00Z", "likes": []}
    _write(
        tmp_path,
        "posts.jsonl",
        [
            post
            | {"id": 1, "user_id": 1, "position": 1, "body_md": "Hi @bob and @nobody"},
            post
            | {
                "id": 2,
                "user_id": 2,
                "position": 2,
                "body_md": "Citric acid.",
                "likes": [1],
            },
            "{not json",  # line 3
            post
            | {"id": 4, "user_id": 3, "position": 3, "body_md": "From carol"},  # line 4
            post | {"id": 5, "user_id": 1, "position": 4},  # line 5: no body
            post
            | {
                "id": 6,
                "topic_id": 2,
                "user_id": 1,
                "position": 1,
                "body_md": "x",
            },  # 6
            post
            | {
                "id": 7,
                "user_id": 1,
                "position": 5,
                "body_md": "Thanks!",
                "created_at": "2024-01-02T09:00:00Z",
            },
        ],
    )
    return tmp_path


def test_import_generated_export(generated):
    meta = json.loads((generated / "meta.json").read_text())
    report = _import(generated)

    counts = meta["counts"]
    assert report.problems == []
    assert Category.objects.count() == counts["categories"]
    assert User.objects.count() == counts["users"]
    assert Topic.objects.count() == counts["topics"]
    assert Post.objects.count() == counts["posts"]
    assert Like.objects.count() == counts["likes"]
    assert PostRevision.objects.count() == counts["posts"]
    # Members sign in by resetting their password.
    user = User.objects.order_by("pk").first()
    assert not user.has_usable_password()
    assert user.role == "member"
    assert (
        EmailAddress.objects.filter(verified=True, primary=True).count()
        == counts["users"]
    )
    # Counters computed once at the end.
    giant = Topic.objects.get(last_post_number=meta["targets"]["giant_topic_posts"])
    assert giant.reply_count == giant.last_post_number - 1
    assert giant.last_post.number == giant.last_post_number
    assert giant.first_post.number == 1
    assert giant.last_posted_at == giant.last_post.created_at
    assert sum(Category.objects.values_list("post_count", flat=True)) == counts["posts"]
    assert (
        sum(Category.objects.values_list("topic_count", flat=True)) == counts["topics"]
    )
    post = Post.objects.filter(like_count__gt=0).first()
    assert post.like_count == post.likes.count()
    # Read positions: each author has read each topic up to their last post.
    expected = {
        (row["author_id"], row["topic_id"]): row["last"]
        for row in Post.objects.values("author_id", "topic_id").annotate(
            last=Max("number")
        )
    }
    actual = {
        (r.user_id, r.topic_id): r.last_read_number for r in ReadState.objects.all()
    }
    assert actual == expected
    assert TopicWatch.objects.count() == len(expected)
    # A migration, not activity: no notification storm.
    assert not Event.objects.exists()


def test_reimport_duplicates_nothing(generated):
    _import(generated)
    counts = {m: m.objects.count() for m in (User, Topic, Post, Like, ReadState)}

    report = _import(generated)

    assert {m: m.objects.count() for m in counts} == counts
    assert report.created.get("posts", 0) == 0
    assert (
        not Post.objects.values("topic", "number")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )


def test_resume_after_interruption(generated):
    meta = json.loads((generated / "meta.json").read_text())
    original = Importer._insert_posts
    calls = {"n": 0}

    def crash_on_third_batch(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    with (
        mock.patch.object(Importer, "_insert_posts", crash_on_third_batch),
        pytest.raises(KeyboardInterrupt),
    ):
        _import(generated)
    assert Post.objects.count() == 100  # two batches of 50 committed

    report = _import(generated)

    assert report.resumed_from_line > 0
    assert Post.objects.count() == meta["counts"]["posts"]
    assert Like.objects.count() == meta["counts"]["likes"]
    assert Topic.objects.count() == meta["counts"]["topics"]


def test_bad_records_are_reported_with_lines_and_the_rest_imported(small):
    report = _import(small)

    reported = {(p.file, p.line) for p in report.problems}
    assert reported == {
        ("users.jsonl", 3),
        ("topics.jsonl", 2),
        ("posts.jsonl", 3),
        ("posts.jsonl", 4),
        ("posts.jsonl", 5),
        ("posts.jsonl", 6),
    }
    reasons = {str(p) for p in report.problems}
    assert "users.jsonl:3: invalid email address 'not-an-email'" in reasons
    assert "topics.jsonl:2: unknown category_id 9" in reasons
    assert "posts.jsonl:5: missing field 'body_md'" in reasons
    topic = Topic.objects.get()
    assert list(topic.posts.values_list("number", flat=True)) == [1, 2, 5]
    assert (topic.reply_count, topic.last_post_number, topic.like_count) == (2, 5, 1)
    assert topic.last_posted_at.day == 2
    assert report.staff_usernames == ["alice"]
    assert User.objects.get(username="alice").role == "member"


def test_mentions_of_known_members_link_and_unknown_names_stay_text(small):
    _import(small)

    html = Post.objects.get(number=1).body_html
    assert 'class="mention"' in html and "/u/bob/" in html
    assert "@nobody" in html and "/u/nobody/" not in html


def test_command_prints_a_summary(small):
    out = StringIO()
    call_command(
        "import_forum", str(small), "--workers", "1", "--no-progress", stdout=out
    )

    text = out.getvalue()
    assert "Import summary" in text
    assert "posts.jsonl:3: invalid JSON" in text
    assert "errors (records skipped): 6" in text


def test_worker_pool_renders_the_same_html(small):
    report = Importer(small, progress=False, workers=2).run()

    assert report.created["posts"] == 3
    assert Post.objects.get(number=2).body_html == render_post_body("Citric acid.")
