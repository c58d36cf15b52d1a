"""policy.post_controls (the bulk form the topic page asks once per page)
agrees with per-object policy.can for every control, on a generated
population: every kind of viewer against posts of every shape (own, hidden,
pending review, removed, deleted, by a representative, by a deleted account,
old posts of a new member, confirmed by one brand or another) in a question
topic and a locked discussion topic.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.roles import PostRole, Role, TrustLevel
from forum import queries
from forum.models import CategoryKind, Post, Topic
from moderation.models import ModeratorAssignment
from permissions import policy
from permissions.policy import POST_CONTROLS, Perm
from recognition.models import Confirmation
from tests.factories import (
    make_admin,
    make_brand,
    make_category,
    make_moderator,
    make_post,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db


def _shape_posts(topic: Topic, authors: list) -> None:
    """Replies by *authors* in turn, then rewritten the way an import or a
    moderator's action leaves them."""
    now = timezone.now()
    brand, other_brand = make_brand("Brevetto"), make_brand("Torque")
    posts = [make_post(topic, author) for author in authors]
    shapes: itertools.cycle[dict[str, object]] = itertools.cycle(
        [
            {},
            {"is_hidden": True},
            {"is_hidden": True, "pending_review": True},
            {"is_hidden": True, "removed_at": now, "removal_kind": "spam"},
            {"deleted_at": now},
            {"author_role": PostRole.BRAND_REP},
            {"author": None},
            {"created_at": now - timedelta(hours=2)},
            {},
        ]
    )
    for n, (post, shape) in enumerate(zip(posts, shapes, strict=False)):
        if shape:
            Post.objects.filter(pk=post.pk).update(**shape)
        if n % 4 == 0:
            Confirmation.objects.create(
                post=post,
                brand=brand if n % 8 == 0 else other_brand,
                confirmed_by_name="Rep",
                confirmed_at=now,
            )


@pytest.fixture
def world():
    now = timezone.now()
    parent = make_category("Machines", slug="machines")
    questions = make_category(
        "Help", slug="help", kind=CategoryKind.QUESTIONS, parent=parent
    )
    other = make_category("Off topic", slug="off-topic")
    brand, other_brand = make_brand("Brevetto"), make_brand("Torque")
    asker = make_user("asker")
    newbie = make_user("newbie")  # new once the posts are in (posting limits)
    member = make_user("member")
    viewers = [
        AnonymousUser(),
        asker,
        newbie,
        member,
        make_user("silenced", silenced_until=now + timedelta(days=1)),
        make_user("suspended", suspended_until=now + timedelta(days=1)),
        make_user("gone", is_active=False),
        make_moderator(questions, "mod_here"),
        make_moderator(parent, "mod_parent"),
        make_moderator(other, "mod_other"),
        make_admin("admin"),
        make_user("rep", role=Role.BRAND_REP, brand=brand),
        make_user("rep_other", role=Role.BRAND_REP, brand=other_brand),
    ]
    rep = viewers[-2]
    suspended_mod = make_moderator(questions, "mod_suspended")
    suspended_mod.suspended_until = now + timedelta(days=1)
    suspended_mod.save()
    viewers.append(suspended_mod)
    # A representative with a stray moderator assignment (an import): never a moderator.
    stray = make_user("rep_stray", role=Role.BRAND_REP, brand=brand)
    ModeratorAssignment.objects.bulk_create(
        [ModeratorAssignment(user=stray, category=questions)]
    )
    viewers.append(stray)

    authors = [newbie, member, asker, rep, newbie, member]
    question = make_topic(questions, asker, title="Why does my grinder clump?")
    _shape_posts(question, authors * 3)
    locked = make_topic(parent, member, title="Descaling schedules")
    _shape_posts(locked, authors * 2)
    Topic.objects.filter(pk=locked.pk).update(is_locked=True)
    type(newbie).objects.filter(pk=newbie.pk).update(trust_level=TrustLevel.NEW)
    return {"viewers": viewers, "topics": [question.pk, locked.pk]}


def _fresh(viewer):
    # Fresh instances: the rules cache assignments and groups per instance.
    if not viewer.is_authenticated:
        return AnonymousUser()
    return type(viewer).objects.get(pk=viewer.pk)


def test_post_controls_agree_with_the_per_object_rules(world):
    compared = 0
    allowed = set()
    for topic_id, viewer in itertools.product(world["topics"], world["viewers"]):
        topic = Topic.objects.select_related("category__parent").get(pk=topic_id)
        bulk_viewer = _fresh(viewer)
        posts = queries.topic_posts(bulk_viewer, topic, 1)
        controls = policy.post_controls(bulk_viewer, topic, posts)
        assert set(controls) == {post.pk for post in posts}
        for post in posts:
            single = Post.objects.select_related("topic__category__parent").get(
                pk=post.pk
            )
            one_viewer = _fresh(viewer)
            for perm in POST_CONTROLS:
                if perm == Perm.WITHDRAW_CONFIRMATION:
                    confirmation = Confirmation.objects.filter(post=single).first()
                    expected = confirmation is not None and policy.can(
                        one_viewer, perm, confirmation
                    )
                else:
                    expected = policy.can(one_viewer, perm, single)
                assert (perm in controls[post.pk]) == expected, (
                    getattr(viewer, "username", "anonymous"),
                    post.number,
                    perm,
                )
                compared += 1
                if expected:
                    allowed.add(perm)
    # The population exercises every control, allowed somewhere.
    assert allowed == set(POST_CONTROLS)
    assert compared > 2000


def test_post_controls_ask_the_rules_once_per_shape(world, django_assert_num_queries):
    topic = Topic.objects.select_related("category__parent").get(pk=world["topics"][0])
    viewer = _fresh(world["viewers"][3])
    posts = queries.topic_posts(viewer, topic, 1)
    viewer.assigned_category_ids  # noqa: B018 (loaded once, before counting)
    viewer.group_ids  # noqa: B018
    with django_assert_num_queries(0):
        policy.post_controls(viewer, topic, posts)
