"""Votes stay exact when they race (PostgreSQL: real concurrent transactions).

The vote action locks the poll's row, so one member's simultaneous votes end
as exactly one choice on a single-choice poll, many members voting at once
are all counted, and no vote lands after a close that committed first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from polls.actions import PollSpec, close_poll, start_topic_with_poll, vote
from polls.models import Poll, PollVote
from polls.queries import poll_view
from tests.factories import make_category, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL (CI runs these)")


def _race(calls: list[Callable[[], object]]) -> list[object]:
    """Run *calls* at once, one thread (and database connection) each."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = calls[index]()
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _poll(kind: str = Poll.Kind.SINGLE) -> Poll:
    category = make_category(allow_polls=True)
    topic = start_topic_with_poll(
        make_user(),
        category,
        title="Racing votes on this poll",
        body="Who wins when everyone votes at once?",
        poll=PollSpec(question="Pick", options=("A", "B", "C", "D"), kind=kind),
    )
    return Poll.objects.select_related("topic__category__parent").get(topic=topic)


def test_one_members_simultaneous_votes_leave_exactly_one_choice():
    poll = _poll()
    member = make_user("racer")
    options = list(poll.options.values_list("pk", flat=True))

    results = _race([partial(vote, member, poll, [o]) for o in options * 2])

    assert not [r for r in results if isinstance(r, Exception)], results
    assert PollVote.objects.filter(poll=poll, voter=member).count() == 1


def test_many_members_voting_at_once_are_all_counted():
    poll = _poll(Poll.Kind.MULTIPLE)
    members = [make_user(f"voter{i}") for i in range(12)]
    a, b, _c, _d = poll.options.values_list("pk", flat=True)

    results = _race([partial(vote, m, poll, [a, b]) for m in members])

    assert not [r for r in results if isinstance(r, Exception)], results
    view = poll_view(members[0], poll.topic)
    assert view is not None
    assert view.voters == 12
    assert [option.vote_count for option in view.options] == [12, 12, 0, 0]


def test_no_vote_lands_after_a_close_that_won_the_race():
    poll = _poll()
    author = poll.topic.author
    members = [make_user(f"late{i}") for i in range(8)]
    first = poll.options.values_list("pk", flat=True)[0]

    calls: list[Callable[[], object]] = [partial(close_poll, author, poll)]
    calls += [partial(vote, m, poll, [first]) for m in members]
    results = _race(calls)

    assert not isinstance(results[0], Exception), results[0]
    closed_at = Poll.objects.get(pk=poll.pk).closed_at
    refused = [r for r in results[1:] if isinstance(r, PermissionDenied)]
    assert not [
        r
        for r in results[1:]
        if isinstance(r, Exception)
        and not isinstance(r, (PermissionDenied, ValidationError))
    ]
    votes = PollVote.objects.filter(poll=poll)
    assert votes.count() + len(refused) == len(members)
    assert not votes.filter(created_at__gt=closed_at).exists()
