"""import_forum reads format 2 (docs/export-format.md): the new files import,
a bad record in any of them is reported with its file and line while the
rest imports, and an interrupted import resumes without duplicates."""

import json
from pathlib import Path

import pytest

from accounts.models import Brand, User
from forum.importer import FORMAT, Importer
from forum.models import Category, Post, PostRevision, Topic
from ideas.models import Idea, IdeaDecision, IdeaVote
from moderation.models import ModerationAction
from polls.models import Poll

pytestmark = pytest.mark.django_db


def _write(directory: Path, name: str, records: list) -> None:
    with (directory / name).open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record) + "\n")


@pytest.fixture
def export(tmp_path) -> Path:
    (tmp_path / "manifest.json").write_text(
        json.dumps({"format": FORMAT, "version": 2, "files": []})
    )
    _write(
        tmp_path,
        "categories.jsonl",
        [
            {"id": 1, "title": "Ideas", "slug": "ideas", "kind": "ideas"},
            {"id": 2, "title": "Grinders", "slug": "grinders", "parent_id": 1},
        ],
    )
    _write(
        tmp_path, "brands.jsonl", [{"id": 1, "name": "Brevetto", "slug": "brevetto"}]
    )
    _write(
        tmp_path,
        "users.jsonl",
        [
            {"id": 1, "username": "ana", "display_name": "Ana"},
            {"id": 2, "username": "ben"},
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
                "title": "A quieter pump",
                "created_at": "2025-01-01T10:00:00Z",
                "idea_status": "planned",
                "tags": ["pump"],
                "accepted_position": 2,
            }
        ],
    )
    _write(
        tmp_path,
        "posts.jsonl",
        [
            {
                "id": 1,
                "topic_id": 1,
                "user_id": 1,
                "position": 1,
                "created_at": "2025-01-01T10:00:00Z",
                "edited_at": "2025-01-02T10:00:00.250000Z",
                "body_md": "Make the pump **quieter**, please.",
                "likes": [2],
            },
            {
                "id": 2,
                "topic_id": 1,
                "user_id": 2,
                "author_name": "Ben from Brevetto",
                "author_role": "brand_rep",
                "brand_id": 1,
                "is_official_answer": True,
                "position": 2,
                "created_at": "2025-01-01T11:00:00Z",
                "body_md": "We are on it.",
            },
            {  # an author without an account
                "id": 3,
                "topic_id": 1,
                "user_id": None,
                "author_name": "former member 12",
                "position": 3,
                "created_at": "2025-01-01T12:00:00Z",
                "body_md": "Me too.",
            },
        ],
    )
    _write(
        tmp_path,
        "revisions.jsonl",
        [
            {
                "topic_id": 1,
                "position": 1,
                "number": 1,
                "title": "A quiet pump",
                "body_md": "Make the pump quieter.",
                "user_id": 1,
                "author_name": "Ana",
                "created_at": "2025-01-01T10:00:00Z",
            },
            {
                "topic_id": 1,
                "position": 1,
                "number": 2,
                "title": "A quieter pump",
                "body_md": "Make the pump **quieter**, please.",
                "user_id": 1,
                "author_name": "Ana",
                "created_at": "2025-01-02T10:00:00.250000Z",
            },
            {
                "topic_id": 1,
                "position": 9,
                "number": 1,
                "body_md": "x",  # line 3
                "user_id": 1,
                "created_at": "2025-01-02T10:00:00Z",
            },
        ],
    )
    _write(
        tmp_path,
        "idea_votes.jsonl",
        [
            {
                "topic_id": 1,
                "user_id": 2,
                "is_staff_vote": True,
                "created_at": "2025-01-01T11:00:00Z",
            },
            {"topic_id": 1, "user_id": 1, "created_at": "2025-01-01T11:00:00Z"},
            {"topic_id": 7, "user_id": 1, "created_at": "2025-01-01T11:00:00Z"},  # 3
        ],
    )
    _write(
        tmp_path,
        "idea_decisions.jsonl",
        [
            {
                "topic_id": 1,
                "user_id": 2,
                "owner_name": "Ben",
                "brand_id": 1,
                "brand_label": "Brevetto",
                "previous_status": "",
                "status": "planned",
                "rationale_md": "In the **next** model.",
                "created_at": "2025-01-03T10:00:00Z",
            },
            {
                "topic_id": 1,
                "status": "maybe",
                "rationale_md": "x",  # line 2
                "created_at": "2025-01-03T10:00:00Z",
            },
        ],
    )
    _write(
        tmp_path,
        "polls.jsonl",
        [
            {
                "topic_id": 1,
                "user_id": 1,
                "question": "How loud?",
                "kind": "single",
                "options": ["Very", "Somewhat"],
                "created_at": "2025-01-01T10:00:00Z",
            },
            {
                "topic_id": 1,
                "question": "One option?",
                "options": ["Only"],  # line 2
                "created_at": "2025-01-01T10:00:00Z",
            },
        ],
    )
    _write(
        tmp_path,
        "moderation_log.jsonl",
        [
            {
                "kind": "post_hidden",
                "actor_role": "moderator",
                "actor_alias": "Moderator #3",
                "rule_text": "1. Be kind",
                "reason": "Rude",
                "category_id": 1,
                "topic_id": 1,
                "post_topic_id": 1,
                "post_position": 3,
                "user_id": None,
                "target_name": "former member 12",
                "created_at": "2025-01-04T10:00:00Z",
            },
            {"kind": "made_up", "created_at": "2025-01-04T10:00:00Z"},  # line 2
        ],
    )
    return tmp_path


def test_format_2_imports_and_reports_bad_records(export):
    report = Importer(export, progress=False, workers=1, batch_size=2).run()

    assert sorted(str(p) for p in report.problems) == [
        "idea_decisions.jsonl:2: unknown status in ['', 'maybe']",
        "idea_votes.jsonl:3: unknown topic_id 7",
        "moderation_log.jsonl:2: unknown kind 'made_up'",
        "polls.jsonl:2: field 'options' must be 2 to 20 short texts",
        "revisions.jsonl:3: no post at that topic_id and position",
    ]
    assert Category.objects.get(slug="grinders").parent == Category.objects.get(
        slug="ideas"
    )
    assert not User.objects.exclude(email="").exists()
    topic = Topic.objects.get()
    assert (topic.idea_status, topic.is_solved) == ("planned", True)
    assert topic.accepted_post.number == 2
    assert list(topic.tags.values_list("name", flat=True)) == ["pump"]
    first, official, orphan = topic.posts.order_by("number")
    assert first.revision_count == 2
    assert list(
        first.revisions.values_list("body_source", flat=True).order_by("number")
    ) == [
        "Make the pump quieter.",
        "Make the pump **quieter**, please.",
    ]
    assert official.author_brand == Brand.objects.get(slug="brevetto")
    assert (official.author_role, official.author_name) == (
        "brand_rep",
        "Ben from Brevetto",
    )
    assert orphan.author is None and orphan.author_name == "former member 12"
    idea = Idea.objects.get(topic=topic)
    assert (idea.community_votes, idea.staff_votes) == (1, 1)
    decision = IdeaDecision.objects.get()
    assert "<strong>next</strong>" in decision.rationale_html
    poll = Poll.objects.get()
    assert list(poll.options.values_list("text", flat=True)) == ["Very", "Somewhat"]
    action = ModerationAction.objects.get()
    assert (action.actor, action.actor_name, action.post) == (
        None,
        "Moderator #3",
        orphan,
    )


def test_a_rerun_imports_nothing_twice(export):
    Importer(export, progress=False, workers=1, batch_size=2).run()
    counts = [
        m.objects.count()
        for m in (Post, PostRevision, IdeaVote, IdeaDecision, Poll, ModerationAction)
    ]

    Importer(export, progress=False, workers=1, batch_size=2).run()

    assert counts == [
        m.objects.count()
        for m in (Post, PostRevision, IdeaVote, IdeaDecision, Poll, ModerationAction)
    ]
