"""Each award rule grants on its fact and is revoked when the fact is undone;
representatives never earn awards and their likes never validate."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import recognition.tasks  # noqa: F401  (registers the task the action names)
from config.celery import app as celery_app
from forum import actions
from forum.models import CategoryKind, Post
from moderation.actions.posts import hide_post, unhide_post
from recognition.actions import _month_start, recompute_awards, recompute_topic_awards
from recognition.models import Award, AwardKind
from recognition.rules import ASKERS_PER_MONTH, PEER_LIKES_NEEDED, RULES
from tests.factories import (
    make_brand_rep,
    make_category,
    make_moderator,
    make_post,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def help_desk():
    return make_category("Espresso", slug="espresso", kind=CategoryKind.QUESTIONS)


@pytest.fixture
def asker():
    return make_user("asker")


@pytest.fixture
def helper():
    return make_user("helper")


def _kinds(user) -> list[str]:
    return sorted(Award.objects.filter(user=user).values_list("kind", flat=True))


def _settle(topic) -> None:
    recompute_topic_awards(topic.pk)


def test_rules_thresholds_are_the_ones_the_code_uses():
    assert PEER_LIKES_NEEDED == 3 and ASKERS_PER_MONTH == 5
    assert {rule.kind for rule in RULES} == set(AwardKind)


def test_an_accepted_answer_grants_and_unaccepting_revokes(help_desk, asker, helper):
    question = make_topic(help_desk, asker, title="Channeling with a new basket")
    answer = make_post(question, helper, body="Distribute with a WDT tool first.")

    actions.accept_answer(asker, answer)
    _settle(question)
    assert AwardKind.ACCEPTED_ANSWER in _kinds(helper)

    question.refresh_from_db()
    actions.unaccept_answer(asker, question)
    _settle(question)
    assert AwardKind.ACCEPTED_ANSWER not in _kinds(helper)


def test_accepting_your_own_answer_earns_nothing(help_desk, asker):
    question = make_topic(help_desk, asker, title="Answering myself here")
    own = make_post(question, asker, body="Solved it: the gasket was worn.")

    actions.accept_answer(asker, own)
    _settle(question)

    assert _kinds(asker) == []


def test_the_award_goes_when_a_moderator_hides_the_answer_and_comes_back(
    help_desk, asker, helper
):
    moderator = make_moderator(help_desk, "mira")
    question = make_topic(help_desk, asker, title="Grinder retention tips")
    answer = make_post(question, helper, body="Single dose and use a bellows.")
    actions.accept_answer(asker, answer)
    _settle(question)
    assert AwardKind.ACCEPTED_ANSWER in _kinds(helper)

    hide_post(moderator, answer, rule=None, reason="Off-topic advertising.")
    _settle(question)
    assert _kinds(helper) == []

    answer.refresh_from_db()
    unhide_post(moderator, answer, rule=None, reason="Hidden by mistake.")
    _settle(question)
    assert AwardKind.ACCEPTED_ANSWER in _kinds(helper)


def test_deleting_the_answer_revokes_the_award(help_desk, asker, helper):
    question = make_topic(help_desk, asker, title="Best water for espresso")
    answer = make_post(question, helper, body="Third wave water recipe.")
    actions.accept_answer(asker, answer)
    _settle(question)

    actions.delete_post(helper, answer)
    _settle(question)

    assert _kinds(helper) == []


def test_three_peer_likes_grant_and_a_withdrawn_like_revokes(help_desk, asker, helper):
    topic = make_topic(help_desk, asker, title="Milk steaming technique")
    reply = make_post(topic, helper, body="Keep the tip just under the surface.")
    likers = [make_user(f"fan{i}") for i in range(PEER_LIKES_NEEDED)]

    for liker in likers[:-1]:
        actions.like_post(liker, reply)
    _settle(topic)
    assert AwardKind.PEER_LIKED not in _kinds(helper)

    actions.like_post(likers[-1], reply)
    _settle(topic)
    assert AwardKind.PEER_LIKED in _kinds(helper)

    actions.unlike_post(likers[0], reply)
    _settle(topic)
    assert AwardKind.PEER_LIKED not in _kinds(helper)


def test_a_representatives_like_never_validates(help_desk, asker, helper):
    topic = make_topic(help_desk, asker, title="Dialing in a light roast")
    reply = make_post(topic, helper, body="Go finer and hotter, 94 degrees.")
    actions.like_post(make_user("fan1"), reply)
    actions.like_post(make_user("fan2"), reply)

    actions.like_post(make_brand_rep("marco"), reply)
    # Someone still tied to a brand (staff on a member account) neither.
    staff = make_user("staff")
    staff.brand = make_brand_rep("luca").brand
    staff.save()
    actions.like_post(staff, reply)
    _settle(topic)

    assert AwardKind.PEER_LIKED not in _kinds(helper)


def test_a_representative_never_earns_an_award(help_desk, asker):
    rep = make_brand_rep("marco")
    question = make_topic(help_desk, asker, title="Is the boiler stainless?")
    answer = make_post(question, rep, body="Yes, AISI 316L.")
    actions.accept_answer(asker, answer)
    for i in range(4):
        actions.like_post(make_user(f"fan{i}"), answer)

    _settle(question)
    recompute_awards(None)

    assert _kinds(rep) == []


def test_the_first_reply_to_a_question_later_solved(help_desk, asker, helper):
    later = make_user("later")
    question = make_topic(help_desk, asker, title="Pressure gauge reads zero")
    actions.reply_to_topic(asker, question, body="It is a 2019 model.")  # not a peer
    first = make_post(question, helper, body="Check the gauge's capillary tube.")
    accepted = make_post(question, later, body="Replace the OPV spring.")
    _settle(question)
    assert _kinds(helper) == []

    actions.accept_answer(asker, accepted)
    _settle(question)
    assert _kinds(helper) == [AwardKind.FIRST_REPLY_SOLVED]
    assert AwardKind.ACCEPTED_ANSWER in _kinds(later)
    assert AwardKind.FIRST_REPLY_SOLVED not in _kinds(later)

    question.refresh_from_db()
    actions.unaccept_answer(asker, question)
    _settle(question)
    assert _kinds(helper) == []
    assert first.pk  # the reply itself is untouched


def test_a_month_helping_five_askers(help_desk, helper):
    askers = [make_user(f"asker{i}") for i in range(ASKERS_PER_MONTH)]
    answers = []
    for i, asker in enumerate(askers):
        question = make_topic(help_desk, asker, title=f"Question number {i} here")
        answers.append(make_post(question, helper, body=f"Try this, {i}."))
    # Help: four accepted, one liked by its asker.
    for asker, answer in zip(askers[:-1], answers[:-1], strict=True):
        actions.accept_answer(asker, answer)
    actions.like_post(askers[-1], answers[-1])
    recompute_awards([helper.pk])
    month = Award.objects.get(user=helper, kind=AwardKind.HELPFUL_MONTH)
    assert month.month.day == 1

    actions.unlike_post(askers[-1], answers[-1])
    recompute_awards([helper.pk])
    assert not Award.objects.filter(user=helper, kind=AwardKind.HELPFUL_MONTH).exists()


def test_help_in_different_months_is_counted_per_month(help_desk, helper):
    askers = [make_user(f"asker{i}") for i in range(ASKERS_PER_MONTH)]
    for i, asker in enumerate(askers):
        question = make_topic(help_desk, asker, title=f"Old question {i} here")
        answer = make_post(question, helper, body=f"Answer {i}.")
        actions.accept_answer(asker, answer)
        # Three in January, two in February: no month reaches five.
        month = 1 if i < 3 else 2
        Post.objects.filter(pk=answer.pk).update(
            created_at=datetime(2026, month, 10, tzinfo=UTC)
        )

    recompute_awards([helper.pk])

    assert not Award.objects.filter(user=helper, kind=AwardKind.HELPFUL_MONTH).exists()


def test_nothing_for_posting_liking_or_joining(help_desk, asker, helper):
    topic = make_topic(help_desk, asker, title="Just chatting about beans")
    for i in range(10):
        make_post(topic, helper, body=f"Another post of mine, number {i}.")
    other = make_topic(help_desk, helper, title="My own question here")
    for post in other.posts.all():
        actions.like_post(asker, post)

    recompute_awards(None)

    assert Award.objects.count() == 0


def test_recompute_is_idempotent(help_desk, asker, helper):
    question = make_topic(help_desk, asker, title="Puck is soupy afterwards")
    answer = make_post(question, helper, body="Dose up by half a gram.")
    actions.accept_answer(asker, answer)

    # The accepted answer, and the first reply to a question now solved.
    assert recompute_awards(None) == (2, 0)
    assert recompute_awards(None) == (0, 0)
    assert recompute_awards([helper.pk]) == (0, 0)
    assert Award.objects.count() == 2


def test_an_action_asks_for_the_recompute_by_name_after_commit(
    help_desk, asker, helper, django_capture_on_commit_callbacks
):
    question = make_topic(help_desk, asker, title="Shower screen is clogged")
    answer = make_post(question, helper, body="Soak it in Cafiza overnight.")
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            actions.accept_answer(asker, answer)
    finally:
        celery_app.conf.task_always_eager = previous

    assert _kinds(helper) == [AwardKind.ACCEPTED_ANSWER, AwardKind.FIRST_REPLY_SOLVED]


def test_how_it_works_lists_the_rules_from_the_code(client):
    page = client.get(reverse("permissions:how_it_works")).content.decode()

    for rule in RULES:
        assert str(rule.name) in page
        assert f'data-award-rule="{rule.kind}"' in page
    assert f"at least {PEER_LIKES_NEEDED} different community members" in page
    assert "Never rewarded" in page


def test_recognition_under_the_authors_name_on_the_topic_page(
    client, help_desk, asker, helper
):
    for i in range(2):
        q = make_topic(help_desk, make_user(f"q{i}"), title=f"Earlier question {i}")
        a = make_post(q, helper, body=f"Earlier answer {i}.")
        actions.accept_answer(q.author, a)
    question = make_topic(help_desk, asker, title="Tamping pressure matters?")
    make_post(question, helper, body="Not much; be level and consistent.")
    recompute_awards(None)

    page = client.get(question.get_absolute_url()).content.decode()

    assert "2 accepted answers in Espresso" in page


def test_a_month_award_date_is_the_first_of_the_month():
    # Help on the 31st at 23:59 UTC counts for that month.
    assert _month_start(datetime(2026, 3, 31, 23, 59, tzinfo=UTC)).isoformat() == (
        "2026-03-01"
    )
    assert (
        _month_start(datetime(2026, 3, 1, tzinfo=UTC) - timedelta(seconds=1)).month == 2
    )


def test_recognition_under_names_is_one_query_for_every_author_on_the_page(
    client, help_desk, asker
):
    question = make_topic(help_desk, asker, title="Which tamper size for 58 mm?")

    def count() -> tuple[int, int]:
        cache.clear()  # every post fragment is a miss: the recognition is read
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(question.get_absolute_url())
        assert response.status_code == 200
        awards = [q for q in ctx.captured_queries if "recognition_award" in q["sql"]]
        return len(ctx.captured_queries), len(awards)

    def grow(n: int) -> None:
        for _ in range(n):
            helper = make_user()
            earlier = make_topic(help_desk, make_user(), title=f"Earlier {helper}")
            actions.accept_answer(earlier.author, make_post(earlier, helper))
            make_post(question, helper, body=f"58.5 mm, from {helper}.")
        recompute_awards(None)

    grow(2)
    small = count()
    grow(8)
    large = count()

    assert small == large
    assert small[1] == 1
