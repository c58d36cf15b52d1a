"""Give and get on the hand-built forum of conftest.py, counted by hand."""

from __future__ import annotations

import pytest

from insights import queries

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name, helped, was_helped",
    [
        # (recent, overall) each; see conftest.py for who replied where.
        # alice helped on T2; was helped by bob and carol on T1, bob on T4
        # (restricted, which she may read) and carol on T5 (120 days ago).
        ("alice", (1, 1), (3, 4)),
        # bob helped on T1 (twice: one question) and T4; was helped by alice
        # on T2 (carol's deleted and dave's hidden replies do not count).
        ("bob", (2, 2), (1, 1)),
        # carol helped on T1 and, 120 days ago, T5; dave helped her on T3.
        ("carol", (1, 2), (1, 1)),
        # dave's reply on T3 was written as a member; he is a rep now.
        ("dave", (1, 1), (0, 0)),
        # erin asked; nobody answered her yet.
        ("erin", (0, 0), (0, 0)),
        # the moderator's and the representative's replies are not peer help
        ("mira", (0, 0), (0, 0)),
        ("marco", (0, 0), (0, 0)),
    ],
)
def test_member_give_get(world, name, helped, was_helped):
    figures = queries.give_get(world[name])

    assert (figures.helped_recent, figures.helped_overall) == helped
    assert (figures.was_helped_recent, figures.was_helped_overall) == was_helped


def test_everyone_helped_equals_everyone_was_helped(world):
    """Each (helper, question) pair is one help given and one received."""
    people = ["alice", "bob", "carol", "dave", "erin"]
    given = sum(queries.give_get(world[p]).helped_overall for p in people)
    received = sum(queries.give_get(world[p]).was_helped_overall for p in people)

    # T1 bob, T1 carol, T2 alice, T3 dave, T4 bob (alice and bob both may
    # read the restricted T4), T5 carol.
    assert given == received == 6


def test_unanswered_questions_where_the_member_was_helped(world):
    # alice was helped in Help and Beta help; erin's T6 in Help has no reply.
    assert [t.title for t in queries.give_get(world["alice"]).unanswered] == [
        "Grinder burrs misaligned after cleaning"
    ]
    # erin was never helped, so nothing is suggested to her.
    assert queries.give_get(world["erin"]).unanswered == []


def test_community_figures_leave_out_restricted_categories(world):
    figures = queries.community_give_get()
    community = {f.key: (f.recent, f.overall) for f in figures.community_gave}
    brand = {f.key: (f.recent, f.overall) for f in figures.brand_gave}

    # T1 bob, T1 carol, T2 alice, T3 dave, T5 carol (old); T4 is restricted.
    assert community["help"] == (4, 5)
    assert community["peer_answers"] == (0, 0)
    assert community["ideas"] == (1, 1)  # erin's drip tray
    assert community["feedback"] == (0, 0)
    assert brand["official_answers"] == (0, 0)
    assert brand["brand_replies"] == (1, 1)  # marco on T1
    assert brand["idea_decisions"] == (0, 0)  # no decisions in this fixture
