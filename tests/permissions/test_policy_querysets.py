"""visible_* querysets agree with the per-object rules, for every kind of actor."""

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from forum import actions
from forum.models import Category, Topic
from moderation.models import ModeratorAssignment
from permissions import policy
from permissions.policy import Perm
from tests.factories import (
    make_admin,
    make_brand_rep,
    make_category,
    make_group,
    make_moderator,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    author = make_user("author")
    insider = make_user("insider")
    group = make_group("Beta testers", members=[insider])
    public = make_category("Public", slug="public")
    beta = make_category("Beta", slug="beta", restricted_to=group)
    beta_child = make_category("Beta child", slug="beta-child", parent=beta)
    public_child = make_category("Public child", slug="public-child", parent=public)
    topics = {
        "public": make_topic(public, author),
        "public_child": make_topic(public_child, author),
        "beta": make_topic(beta, insider),
        "beta_child": make_topic(beta_child, insider),
        "hidden": make_topic(public, author),
        "deleted": make_topic(public, author),
    }
    Topic.objects.filter(pk=topics["hidden"].pk).update(is_hidden=True)
    actions.delete_post(author, topics["deleted"].first_post)
    actors: dict[str, Any] = {
        "anonymous": AnonymousUser(),
        "member": make_user("member"),
        "author": author,
        "insider": insider,
        "moderator_public": make_moderator(public, "mod_public"),
        "moderator_beta": make_moderator(beta, "mod_beta"),
        "brand_rep": make_brand_rep("rep"),
        "admin": make_admin("admin"),
    }
    # A stray assignment must not grant a brand representative anything.
    # save() refuses to write one, so slip it in the way a raw import would.
    ModeratorAssignment.objects.bulk_create(
        [ModeratorAssignment(user=actors["brand_rep"], category=beta)]
    )
    return actors


ACTORS = [
    "anonymous",
    "member",
    "author",
    "insider",
    "moderator_public",
    "moderator_beta",
    "brand_rep",
    "admin",
]


@pytest.mark.parametrize("actor_kind", ACTORS)
def test_visible_topics_agrees_with_view_topic(world, actor_kind):
    actor = world[actor_kind]
    all_topics = Topic.objects.select_related("category__parent")

    visible = set(policy.visible_topics(actor, Topic.objects.all()))
    allowed = {t for t in all_topics if policy.can(actor, Perm.VIEW_TOPIC, t)}

    assert visible == allowed


@pytest.mark.parametrize("actor_kind", ACTORS)
def test_visible_categories_agrees_with_view_category(world, actor_kind):
    actor = world[actor_kind]

    visible = set(policy.visible_categories(actor, Category.objects.all()))
    allowed = {
        c
        for c in Category.objects.select_related("parent")
        if policy.can(actor, Perm.VIEW_CATEGORY, c)
    }

    assert visible == allowed


def test_brand_rep_with_stray_assignment_sees_no_restricted_category(world):
    names = {
        c.slug
        for c in policy.visible_categories(world["brand_rep"], Category.objects.all())
    }

    assert names == {"public", "public-child"}


def test_moderator_of_parent_moderates_child(world):
    beta_child = Category.objects.get(slug="beta-child")

    assert policy.moderates(world["moderator_beta"], beta_child) is True
    assert policy.moderates(world["moderator_public"], beta_child) is False
