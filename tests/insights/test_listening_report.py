"""The listening report on the hand-built forum of conftest.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Brand
from forum import actions
from forum.models import Topic
from ideas import actions as ideas_actions
from ideas.models import IdeaVote
from insights import queries
from tests.factories import make_topic, make_user

pytestmark = pytest.mark.django_db


def _titles(topics):
    return [topic.title for topic in topics]


def _report(world, reader="marco"):
    brand = Brand.objects.get(slug="brevetto")
    return queries.listening_report(world[reader], brand)


def test_significant_words_drop_stopwords_and_plurals():
    assert queries.significant_words("Why do my grinder burrs squeak?") == {
        "grinder",
        "burr",
        "squeak",
    }


def test_recurring_questions_group_similar_titles(world):
    report = _report(world)

    # "Grinder burrs squeak loudly" and "Grinder burrs misaligned after
    # cleaning" share "grinder" and "burr"; nothing else is alike. T5 is
    # older than the window; T4 is restricted (marco is not in Beta).
    assert [_titles(g.topics) for g in report.recurring] == [
        ["Grinder burrs misaligned after cleaning", "Grinder burrs squeak loudly"]
    ]
    assert report.recurring[0].unsolved == 2


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="trigram similarity is PostgreSQL's"
)
def test_trigrams_group_titles_that_share_no_whole_word(world):
    make_topic(world["questions"], world["bob"], title="Descaling the Brevetto")
    make_topic(world["questions"], world["erin"], title="Descale my Brevetto")
    make_topic(world["questions"], world["alice"], title="Brevetto leaks water")

    groups = [_titles(g.topics) for g in _report(world).recurring]

    assert ["Descale my Brevetto", "Descaling the Brevetto"] in groups
    assert not any("Brevetto leaks water" in g for g in groups)


def test_oldest_unsolved_questions_oldest_first(world):
    actions.accept_answer(world["carol"], world["t3"].posts.get(number=2))

    report = _report(world)

    # T5 (120 days) first; T3 is solved now; T4 is restricted.
    assert _titles(report.unsolved) == [
        "Descaling schedule for hard water",
        "Grinder burrs squeak loudly",
        "Steam wand sputters badly",
        "Grinder burrs misaligned after cleaning",
    ]


def test_restricted_questions_show_to_a_reader_who_may_read_them(world):
    # An admin may read the Beta category: T4 is among the unsolved.
    admin = make_user("root", role="admin", is_staff=True)
    world["root"] = admin

    assert "Beta firmware pressure curve" in _titles(_report(world, "root").unsolved)


def test_ideas_by_support_and_by_recent_support(world):
    idea, other = (
        world["idea"],
        make_topic(world["ideas"], world["bob"], title="Tamper"),
    )
    for member in ("alice", "bob", "carol"):
        if world[member] != idea.author:
            ideas_actions.vote(world[member], idea)
    ideas_actions.vote(world["alice"], other)
    # A representative's vote is shown apart on the board, never counted.
    ideas_actions.vote(world["marco"], other)
    # bob's vote on the drip tray is old: it counts for support, not recent.
    IdeaVote.objects.filter(topic=idea, user=world["bob"]).update(
        created_at=timezone.now() - timedelta(days=40)
    )

    report = _report(world)

    assert [(t.title, t.support) for t in report.ideas_by_support] == [
        ("A bigger drip tray", 3),
        ("Tamper", 1),
    ]
    assert [(t.title, t.recent_support) for t in report.ideas_by_recent_support] == [
        ("A bigger drip tray", 2),
        ("Tamper", 1),
    ]


def test_most_discussed_without_the_brand(world):
    report = _report(world)

    # T1 has marco's reply. T2: alice, carol (deleted), dave (hidden, and
    # written as a member) -> 3 replies counted by the topic; T3: dave wrote
    # as a member before he joined Brevetto, so it is not the brand's.
    assert _titles(report.discussed_without_brand) == [
        "Steam wand sputters badly",
        "Pressure gauge stuck at zero",
    ]
    hidden_brand_post = actions.reply_to_topic(
        world["marco"], world["t2"], body="We are looking into it."
    )
    assert "Steam wand sputters badly" not in _titles(
        _report(world).discussed_without_brand
    )
    actions.delete_post(world["marco"], hidden_brand_post)
    assert "Steam wand sputters badly" in _titles(
        _report(world).discussed_without_brand
    )


def test_helpers_this_month(world):
    report = _report(world)

    # bob: T1 only (T4 is restricted from marco); carol: T1 (T5 is old and
    # her T2 reply deleted); alice: T2; dave: T3 as a member. Ties by name.
    assert [(h.username, h.helped) for h in report.helpers] == [
        ("alice", 1),
        ("bob", 1),
        ("carol", 1),
        ("dave", 1),
    ]


def test_report_changes_nothing(world):
    before = list(Topic.objects.values().order_by("pk"))
    _report(world)
    assert list(Topic.objects.values().order_by("pk")) == before


def test_alike_titles_form_stars_not_chains():
    """1~2, 2~3 and 3~4 make one group around 2 (alike to the most, newest on
    ties); 4 is alike only to 3, already grouped, so it stays out."""
    topics = [Topic(pk=pk, title=str(pk), is_solved=False) for pk in (1, 2, 3, 4)]

    groups = queries._groups(topics, [(1, 2), (2, 3), (3, 4)])

    assert [[t.pk for t in g.topics] for g in groups] == [[1, 2, 3]]
