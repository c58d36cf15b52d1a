"""Trust levels: what each level requires, the daily recomputation, and the
middleware that records visits."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import tasks, trust
from accounts.actions import set_trust_level
from accounts.middleware import SESSION_KEY
from accounts.models import User, UserVisit
from accounts.roles import Role, TrustLevel
from accounts.trust import Stats, activity_stats, earned_level, recompute_trust_levels
from forum import actions
from forum.models import Like, Post, ReadState, Topic
from moderation.models import ModeratorAssignment, Sanction, SanctionKind
from permissions import policy
from tests.factories import (
    make_admin,
    make_brand_rep,
    make_category,
    make_moderator,
    make_post,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

BASIC_STATS = Stats(topics_entered=5, posts_read=30)
MEMBER_STATS = Stats(
    days_visited=15,
    topics_entered=20,
    posts_read=100,
    posts=3,
    likes_received=1,
    likes_given=1,
)
REGULAR_STATS = replace(
    MEMBER_STATS,
    days_visited=50,
    days_visited_in_last_100=50,
    posts=10,
    likes_received=20,
    accepted_answers=1,
)


# --- Helpers that create real activity rows ---------------------------------------------


def _visit(user: User, days: int, *, start: int = 0) -> None:
    today = timezone.localdate()
    UserVisit.objects.bulk_create(
        UserVisit(user=user, day=today - timedelta(days=start + n)) for n in range(days)
    )


def _bare_topics(count: int) -> list[Topic]:
    """Topics without posts, for read states (cheaper than the actions)."""
    category = make_category()
    now = timezone.now()
    return Topic.objects.bulk_create(
        Topic(
            category=category,
            title=f"Reading matter {n}",
            slug=f"reading-matter-{n}",
            author_name="someone",
            created_at=now,
            last_posted_at=now,
        )
        for n in range(count)
    )


def _read(user: User, topics: int, posts_each: int) -> None:
    ReadState.objects.bulk_create(
        ReadState(user=user, topic=topic, last_read_number=posts_each)
        for topic in _bare_topics(topics)
    )


def _give_member_activity(user: User) -> None:
    """Enough for Member (2) with the default settings, not for Regular."""
    _visit(user, 15)
    _read(user, topics=20, posts_each=5)
    topic = make_topic(author=make_user())
    posts = [make_post(topic, user) for _ in range(3)]
    actions.like_post(make_user(), posts[0])
    actions.like_post(user, topic.first_post)


def _give_regular_activity(user: User) -> None:
    """Enough for Regular (3) with the default settings, and no more."""
    _visit(user, 50)
    _read(user, topics=20, posts_each=5)
    questions = make_category(kind="questions")
    asker = make_user()
    question = make_topic(questions, asker)
    answer = make_post(question, user)
    posts = [answer, *(make_post(question, user) for _ in range(9))]
    likers = [make_user() for _ in range(20)]
    Like.objects.bulk_create(
        Like(post=posts[n % 10], user=u) for n, u in enumerate(likers)
    )
    Like.objects.create(post=question.first_post, user=user)
    actions.accept_answer(asker, answer)


def _sanction(user: User, kind: str, *, days_ago: int = 3, **fields) -> Sanction:
    return Sanction.objects.create(
        user=user,
        kind=kind,
        reason="Rule 2",
        starts_at=timezone.now() - timedelta(days=days_ago),
        **fields,
    )


def _level(user: User) -> int:
    user.refresh_from_db(fields=["trust_level"])
    return user.trust_level


# --- earned_level: the requirements of each level ----------------------------------------


def test_earned_level_is_new_without_activity():
    assert earned_level(Stats()) == TrustLevel.NEW


def test_earned_level_basic_at_its_thresholds():
    assert earned_level(BASIC_STATS) == TrustLevel.BASIC


@pytest.mark.parametrize("stat", ["topics_entered", "posts_read"])
def test_earned_level_basic_needs_each_threshold(stat):
    stats = replace(BASIC_STATS, **{stat: getattr(BASIC_STATS, stat) - 1})

    assert earned_level(stats) == TrustLevel.NEW


def test_earned_level_member_at_its_thresholds():
    assert earned_level(MEMBER_STATS) == TrustLevel.MEMBER


@pytest.mark.parametrize(
    "stat",
    [
        "days_visited",
        "topics_entered",
        "posts_read",
        "posts",
        "likes_received",
        "likes_given",
    ],
)
def test_earned_level_member_needs_each_threshold(stat):
    stats = replace(MEMBER_STATS, **{stat: getattr(MEMBER_STATS, stat) - 1})

    assert earned_level(stats) == TrustLevel.BASIC


def test_earned_level_regular_at_its_thresholds():
    assert earned_level(REGULAR_STATS) == TrustLevel.REGULAR


@pytest.mark.parametrize(
    "stat", ["days_visited_in_last_100", "posts", "likes_received", "accepted_answers"]
)
def test_earned_level_regular_needs_each_threshold(stat):
    stats = replace(REGULAR_STATS, **{stat: getattr(REGULAR_STATS, stat) - 1})

    assert earned_level(stats) == TrustLevel.MEMBER


def test_earned_level_regular_with_30_likes_instead_of_an_accepted_answer():
    stats = replace(REGULAR_STATS, accepted_answers=0, likes_received=30)

    assert earned_level(stats) == TrustLevel.REGULAR


def test_earned_level_regular_refused_with_29_likes_and_no_accepted_answer():
    stats = replace(REGULAR_STATS, accepted_answers=0, likes_received=29)

    assert earned_level(stats) == TrustLevel.MEMBER


def test_earned_level_regular_needs_member_requirements_too():
    stats = replace(REGULAR_STATS, likes_given=0)

    assert earned_level(stats) == TrustLevel.BASIC


def test_earned_level_recent_sanction_caps_at_basic():
    stats = replace(REGULAR_STATS, last_sanction_at=timezone.now() - timedelta(days=99))

    assert earned_level(stats) == TrustLevel.BASIC


def test_earned_level_sanction_older_than_100_days_is_forgiven():
    stats = replace(
        REGULAR_STATS, last_sanction_at=timezone.now() - timedelta(days=101)
    )

    assert earned_level(stats) == TrustLevel.REGULAR


def test_earned_level_never_leader():
    stats = Stats(
        days_visited=1000,
        days_visited_in_last_100=100,
        topics_entered=1000,
        posts_read=100_000,
        posts=1000,
        likes_received=1000,
        likes_given=1000,
        accepted_answers=100,
    )

    assert earned_level(stats) == TrustLevel.REGULAR


def test_earned_level_reads_settings_when_called(settings):
    settings.FORUM_TRUST_LEVELS = {1: {"posts_read": 1}, 2: {"posts": 1}}

    assert earned_level(Stats(posts_read=1, posts=1)) == TrustLevel.MEMBER


# --- activity_stats: what counts ----------------------------------------------------------


def test_activity_stats_counts_visits_all_time_and_in_last_100_days():
    user = make_user()
    _visit(user, 3)
    _visit(user, 2, start=150)

    stats = activity_stats([user.pk])[user.pk]

    assert stats.days_visited == 5
    assert stats.days_visited_in_last_100 == 3


def test_activity_stats_counts_topics_entered_and_posts_read():
    user = make_user()
    _read(user, topics=3, posts_each=7)

    stats = activity_stats([user.pk])[user.pk]

    assert stats.topics_entered == 3
    assert stats.posts_read == 21


def test_activity_stats_counts_posts_not_deleted_or_hidden(category):
    user = make_user()
    topic = make_topic(category, user)
    make_post(topic, user)
    deleted = make_post(topic, user)
    hidden = make_post(topic, user)
    actions.delete_post(user, deleted)
    Post.objects.filter(pk=hidden.pk).update(is_hidden=True)

    stats = activity_stats([user.pk])[user.pk]

    assert stats.posts == 2  # the opening post and the kept reply


def test_activity_stats_counts_likes_received_from_distinct_active_members(topic):
    author = make_user()
    first, second = make_post(topic, author), make_post(topic, author)
    fan, friend, gone = make_user(), make_user(), make_user()
    for post in (first, second):
        actions.like_post(fan, post)
    actions.like_post(friend, first)
    actions.like_post(gone, first)
    User.objects.filter(pk=gone.pk).update(is_active=False)

    stats = activity_stats([author.pk, fan.pk])

    assert stats[author.pk].likes_received == 2
    assert stats[fan.pk].likes_given == 2


def test_activity_stats_counts_accepted_answers_on_others_questions(questions):
    asker, helper = make_user(), make_user()
    question = make_topic(questions, asker)
    answer = make_post(question, helper)
    actions.accept_answer(asker, answer)
    own_question = make_topic(questions, helper)
    own_answer = make_post(own_question, helper)
    Topic.objects.filter(pk=own_question.pk).update(accepted_post=own_answer)

    stats = activity_stats([helper.pk])[helper.pk]

    assert stats.accepted_answers == 1


def test_activity_stats_latest_silence_or_suspension_counts_not_warnings():
    user = make_user()
    silence = _sanction(user, SanctionKind.SILENCE, days_ago=40)
    _sanction(user, SanctionKind.SUSPENSION, days_ago=2, revoked_at=timezone.now())
    _sanction(user, SanctionKind.WARNING, days_ago=1)

    stats = activity_stats([user.pk])[user.pk]

    assert stats.last_sanction_at == silence.starts_at


def test_activity_stats_empty_for_members_without_activity():
    user = make_user()

    assert activity_stats([user.pk]) == {user.pk: Stats()}


def test_activity_stats_query_count_is_constant():
    few = [make_user() for _ in range(3)]
    many = [make_user() for _ in range(30)]
    for user in [*few, *many]:
        _visit(user, 2)
        _read(user, topics=1, posts_each=3)

    with CaptureQueriesContext(connection) as ctx:
        activity_stats([u.pk for u in few])
    small = len(ctx.captured_queries)
    with CaptureQueriesContext(connection) as ctx:
        activity_stats([u.pk for u in many])
    large = len(ctx.captured_queries)

    assert small == large == 7


# --- recompute_trust_levels ---------------------------------------------------------------


def test_recompute_promotes_new_member_who_read_enough():
    user = make_user(trust_level=TrustLevel.NEW)
    _read(user, topics=5, posts_each=6)

    changed = recompute_trust_levels()

    assert changed == 1
    assert _level(user) == TrustLevel.BASIC


def test_recompute_promotes_several_levels_at_once():
    user = make_user(trust_level=TrustLevel.NEW)
    _give_member_activity(user)

    recompute_trust_levels()

    assert _level(user) == TrustLevel.MEMBER


def test_recompute_promotes_member_to_regular():
    user = make_user(trust_level=TrustLevel.MEMBER)
    _give_regular_activity(user)

    recompute_trust_levels()

    assert _level(user) == TrustLevel.REGULAR


def test_recompute_is_idempotent():
    user = make_user(trust_level=TrustLevel.NEW)
    _read(user, topics=5, posts_each=6)
    recompute_trust_levels()

    assert recompute_trust_levels() == 0
    assert _level(user) == TrustLevel.BASIC


def test_recompute_never_takes_basic_or_member_away():
    basic = make_user(trust_level=TrustLevel.BASIC)
    member = make_user(trust_level=TrustLevel.MEMBER)

    assert recompute_trust_levels() == 0
    assert _level(basic) == TrustLevel.BASIC
    assert _level(member) == TrustLevel.MEMBER


def test_recompute_demotes_regular_to_member_when_requirements_lapse():
    user = make_user(trust_level=TrustLevel.REGULAR)
    _give_member_activity(user)

    recompute_trust_levels()

    assert _level(user) == TrustLevel.MEMBER


def test_recompute_keeps_regular_who_still_meets_requirements():
    user = make_user(trust_level=TrustLevel.REGULAR)
    _give_regular_activity(user)

    assert recompute_trust_levels() == 0
    assert _level(user) == TrustLevel.REGULAR


def test_recompute_demotes_regular_after_a_suspension():
    user = make_user(trust_level=TrustLevel.REGULAR)
    _give_regular_activity(user)
    _sanction(user, SanctionKind.SUSPENSION)

    recompute_trust_levels()

    assert _level(user) == TrustLevel.MEMBER


def test_recompute_keeps_regular_after_a_warning():
    user = make_user(trust_level=TrustLevel.REGULAR)
    _give_regular_activity(user)
    _sanction(user, SanctionKind.WARNING)

    recompute_trust_levels()

    assert _level(user) == TrustLevel.REGULAR


def test_recompute_keeps_regular_when_the_suspension_was_revoked():
    user = make_user(trust_level=TrustLevel.REGULAR)
    _give_regular_activity(user)
    _sanction(user, SanctionKind.SUSPENSION, revoked_at=timezone.now())

    recompute_trust_levels()

    assert _level(user) == TrustLevel.REGULAR


def test_recompute_silence_blocks_promotion_above_basic():
    user = make_user(trust_level=TrustLevel.NEW)
    _give_member_activity(user)
    _sanction(user, SanctionKind.SILENCE)

    recompute_trust_levels()

    assert _level(user) == TrustLevel.BASIC


def test_recompute_skips_locked_levels():
    held_back = make_user(trust_level=TrustLevel.NEW, trust_level_locked=True)
    _read(held_back, topics=5, posts_each=6)
    kept_up = make_user(trust_level=TrustLevel.REGULAR, trust_level_locked=True)

    assert recompute_trust_levels() == 0
    assert _level(held_back) == TrustLevel.NEW
    assert _level(kept_up) == TrustLevel.REGULAR


def test_recompute_leaves_a_level_an_admin_set_by_hand():
    user = make_user(trust_level=TrustLevel.MEMBER)
    set_trust_level(make_admin(), user, TrustLevel.REGULAR, reason="Runs the meetups")

    recompute_trust_levels()

    assert _level(user) == TrustLevel.REGULAR


def test_recompute_skips_inactive_users():
    user = make_user(trust_level=TrustLevel.NEW, is_active=False)
    _read(user, topics=5, posts_each=6)

    recompute_trust_levels()

    assert _level(user) == TrustLevel.NEW


def test_recompute_never_grants_or_removes_leader():
    leader = make_user(trust_level=TrustLevel.LEADER)
    regular = make_user(trust_level=TrustLevel.MEMBER)
    _give_regular_activity(regular)

    recompute_trust_levels()

    assert _level(leader) == TrustLevel.LEADER
    assert _level(regular) == TrustLevel.REGULAR


def test_recompute_never_changes_roles_or_moderator_assignments(category):
    moderator = make_moderator(category)  # a Regular without activity
    rep = make_brand_rep(trust_level=TrustLevel.NEW)
    admin = make_admin()
    _read(rep, topics=5, posts_each=6)

    recompute_trust_levels()

    moderator.refresh_from_db()
    rep.refresh_from_db()
    admin.refresh_from_db()
    assert moderator.trust_level == TrustLevel.MEMBER
    assert rep.trust_level == TrustLevel.BASIC
    assert (moderator.role, rep.role, admin.role) == (
        Role.MEMBER,
        Role.BRAND_REP,
        Role.ADMIN,
    )
    assert list(ModeratorAssignment.objects.values_list("user_id", "category_id")) == [
        (moderator.pk, category.pk)
    ]
    assert policy.moderates(moderator, category) is True
    assert policy.moderated_category_ids(rep) == frozenset()


def test_recompute_limited_to_given_user_ids():
    chosen = make_user(trust_level=TrustLevel.NEW)
    other = make_user(trust_level=TrustLevel.NEW)
    for user in (chosen, other):
        _read(user, topics=5, posts_each=6)

    assert recompute_trust_levels([chosen.pk]) == 1
    assert _level(chosen) == TrustLevel.BASIC
    assert _level(other) == TrustLevel.NEW


def test_recompute_works_in_batches(monkeypatch):
    monkeypatch.setattr(trust, "BATCH_SIZE", 2)
    users = [make_user(trust_level=TrustLevel.NEW) for _ in range(5)]
    for user in users:
        _read(user, topics=5, posts_each=6)

    assert recompute_trust_levels() == 5
    assert {_level(user) for user in users} == {TrustLevel.BASIC}


def test_recompute_query_count_is_constant():
    few = [make_user(trust_level=TrustLevel.NEW) for _ in range(3)]
    for user in few:
        _read(user, topics=5, posts_each=6)
    with CaptureQueriesContext(connection) as ctx:
        recompute_trust_levels()
    small = len(ctx.captured_queries)
    many = [make_user(trust_level=TrustLevel.NEW) for _ in range(30)]
    for user in many:
        _read(user, topics=5, posts_each=6)
    with CaptureQueriesContext(connection) as ctx:
        recompute_trust_levels()
    large = len(ctx.captured_queries)

    # The ids, seven aggregates, one UPDATE for the NEW -> BASIC moves.
    assert small == large == 9


def test_recompute_task_promotes_when_called_directly():
    user = make_user(trust_level=TrustLevel.NEW)
    _read(user, topics=5, posts_each=6)

    assert tasks.recompute_trust_levels() == 1
    assert tasks.recompute_trust_levels() == 0
    assert _level(user) == TrustLevel.BASIC


# --- VisitMiddleware ----------------------------------------------------------------------


def test_visit_middleware_records_one_visit_per_day(client):
    user = make_user()
    client.force_login(user)

    client.get("/")
    client.get("/")

    assert list(UserVisit.objects.values_list("user_id", "day")) == [
        (user.pk, timezone.localdate())
    ]
    assert client.session[SESSION_KEY] == timezone.localdate().isoformat()
    user.refresh_from_db()
    assert user.last_seen_at is not None


def test_visit_middleware_records_the_next_day(client, monkeypatch):
    user = make_user()
    client.force_login(user)
    client.get("/")
    tomorrow = timezone.now() + timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)

    client.get("/")

    assert UserVisit.objects.filter(user=user).count() == 2


def test_visit_middleware_adds_no_query_after_the_first_request(client, settings):
    user = make_user()
    client.force_login(user)
    client.get("/")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/")
    # captured_queries reads the connection's log lazily; count it now.
    with_middleware = len(ctx.captured_queries)

    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "accounts.middleware.VisitMiddleware"
    ]
    plain = Client()
    plain.force_login(user)
    plain.get("/")
    with CaptureQueriesContext(connection) as ctx:
        plain.get("/")
    without_middleware = len(ctx.captured_queries)

    assert with_middleware == without_middleware


def test_visit_middleware_updates_last_seen_after_five_minutes(client):
    user = make_user()
    client.force_login(user)
    client.get("/")
    earlier = timezone.now() - timedelta(minutes=6)
    User.objects.filter(pk=user.pk).update(last_seen_at=earlier)

    client.get("/")

    user.refresh_from_db()
    assert user.last_seen_at > earlier


def test_visit_middleware_leaves_recent_last_seen_alone(client):
    user = make_user()
    client.force_login(user)
    client.get("/")
    recent = timezone.now() - timedelta(minutes=4)
    User.objects.filter(pk=user.pk).update(last_seen_at=recent)

    client.get("/")

    user.refresh_from_db()
    assert user.last_seen_at == recent


def test_visit_middleware_ignores_anonymous_requests(client):
    make_user()

    response = client.get("/")

    assert response.status_code == 200
    assert UserVisit.objects.exists() is False


def test_visit_middleware_survives_a_visit_another_session_recorded(client):
    user = make_user()
    UserVisit.objects.create(user=user, day=timezone.localdate())
    client.force_login(user)

    response = client.get("/")

    assert response.status_code == 200
    assert UserVisit.objects.filter(user=user).count() == 1
