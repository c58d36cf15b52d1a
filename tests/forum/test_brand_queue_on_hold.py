"""An ask-the-brand request on a topic a moderator then locked or closed
leaves the representatives' queue (a reply, the only way to answer, is no
longer possible) and is listed apart, with the reason; it comes back if the
topic is reopened. See docs/decisions.md."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum import actions, queries
from moderation.actions.topics import (
    close_topic,
    lock_topic,
    reopen_topic,
    unlock_topic,
)
from tests.factories import make_brand_rep, make_topic, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep():
    return make_brand_rep("marco")


def queue_parts(client) -> tuple[str, str]:
    """(the queue, the on-hold section) of the representative's queue page."""
    response = client.get(reverse("forum:brand_queue"))
    assert response.status_code == 200
    html = response.content.decode()
    queue, _sep, on_hold = html.partition('id="on-hold-heading"')
    return queue, on_hold


@pytest.mark.parametrize(
    ("shut", "reopen", "reason"),
    [
        (lock_topic, unlock_topic, "Locked by a moderator"),
        (close_topic, reopen_topic, "Closed to new replies by a moderator"),
    ],
)
def test_request_on_a_topic_shut_afterwards_leaves_the_queue_until_reopened(
    client, category, member, moderator, rep, shut, reopen, reason
):
    shut_topic = make_topic(category, member, title="Grinder squeaks after a week")
    other = make_topic(category, member, title="Which beans for espresso")
    actions.ask_brand(member, shut_topic, rep.brand, note="Is this normal?")
    actions.ask_brand(member, other, rep.brand)
    client.force_login(rep)

    shut(moderator, shut_topic, rule=None, reason="Heated thread.")

    queue, on_hold = queue_parts(client)
    assert "Grinder squeaks" not in queue
    assert "Which beans" in queue
    assert "Grinder squeaks" in on_hold
    assert reason in on_hold
    assert "“Is this normal?”" not in queue
    assert [r.topic_id for r in queries.open_brand_requests(rep)] == [other.pk]
    # Reopened: back in the queue, in its place (oldest first).
    reopen(moderator, shut_topic, rule=None, reason="Calmer now.")
    queue, on_hold = queue_parts(client)
    assert queue.index("Grinder squeaks") < queue.index("Which beans")
    assert "Grinder squeaks" not in on_hold


def test_no_on_hold_section_when_nothing_is_on_hold(client, topic, member, rep):
    actions.ask_brand(member, topic, rep.brand)
    client.force_login(rep)

    queue, on_hold = queue_parts(client)

    assert topic.title in queue
    assert on_hold == ""


def test_nobody_can_ask_on_a_closed_or_locked_topic(topic, member, moderator, rep):
    close_topic(moderator, topic, rule=None, reason="Done.")

    with pytest.raises(PermissionDenied, match="closed to new requests"):
        actions.ask_brand(member, topic, rep.brand)


def test_admin_can_still_answer_in_a_locked_topic(
    category, member, moderator, rep, admin_user
):
    topic = make_topic(category, member, title="Warranty on the pump")
    actions.ask_brand(member, topic, rep.brand)
    lock_topic(moderator, topic, rule=None, reason="Heated thread.")

    assert [r.topic_id for r in queries.open_brand_requests(admin_user)] == [topic.pk]
    assert list(queries.brand_requests_on_hold(admin_user)) == []


def test_queue_page_query_count_does_not_grow_with_requests(
    client, category, member, moderator, rep
):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("forum:brand_queue")).status_code == 200
        return len(ctx.captured_queries)

    def ask(n: int) -> None:
        for i in range(n):
            asker = make_user()
            open_topic = make_topic(category, asker, title=f"Open question {i} {n}")
            shut_topic = make_topic(category, asker, title=f"Shut question {i} {n}")
            actions.ask_brand(asker, open_topic, rep.brand)
            actions.ask_brand(asker, shut_topic, rep.brand)
            lock_topic(moderator, shut_topic, rule=None, reason="Heated.")

    client.force_login(rep)
    ask(1)
    count()  # the first visit of the day also records the visit
    few = count()
    ask(6)
    many = count()

    assert many == few
