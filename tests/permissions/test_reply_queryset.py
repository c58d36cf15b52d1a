"""topics_open_to_replies (the bulk form the brand-request queue uses) agrees
with the per-object REPLY rule, on a generated population of topics and actors."""

import itertools
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from forum import actions
from forum.models import Topic
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

STATES = ["open", "locked", "closed", "locked_closed", "hidden", "deleted", "merged"]


@pytest.fixture
def world():
    author = make_user("author")
    insider = make_user("insider")
    group = make_group("Beta testers", members=[insider])
    public = make_category("Public", slug="public")
    beta = make_category("Beta", slug="beta", restricted_to=group)
    categories = [
        public,
        make_category("Public child", slug="public-child", parent=public),
        beta,
        make_category("Beta child", slug="beta-child", parent=beta),
    ]
    target = make_topic(public, author, title="Where merged topics went")
    for category, state in itertools.product(categories, STATES):
        topic = make_topic(category, insider, title=f"A {state} topic in {category}")
        rows = Topic.objects.filter(pk=topic.pk)
        if "locked" in state:
            rows.update(is_locked=True)
        if "closed" in state:
            rows.update(is_closed=True)
        if state == "hidden":
            rows.update(is_hidden=True)
        if state == "merged":
            rows.update(merged_into=target)
        if state == "deleted":
            actions.delete_post(insider, topic.first_post)
    now = timezone.now()
    actors: dict[str, Any] = {
        "anonymous": AnonymousUser(),
        "member": make_user("member"),
        "author": author,
        "insider": insider,
        "moderator_public": make_moderator(public, "mod_public"),
        "moderator_beta": make_moderator(beta, "mod_beta"),
        "brand_rep": make_brand_rep("rep"),
        "admin": make_admin("admin"),
        "silenced": make_user("silenced", silenced_until=now + timedelta(days=1)),
        "suspended": make_user("suspended", suspended_until=now + timedelta(days=1)),
    }
    # A stray assignment must not let a representative reply in locked topics.
    ModeratorAssignment.objects.bulk_create(
        [ModeratorAssignment(user=actors["brand_rep"], category=public)]
    )
    return actors


@pytest.mark.parametrize(
    "actor_kind",
    [
        "anonymous",
        "member",
        "author",
        "insider",
        "moderator_public",
        "moderator_beta",
        "brand_rep",
        "admin",
        "silenced",
        "suspended",
    ],
)
def test_topics_open_to_replies_agrees_with_reply(world, actor_kind):
    actor = world[actor_kind]
    topics = Topic.objects.select_related("category__parent")

    bulk = set(policy.topics_open_to_replies(actor, Topic.objects.all()))
    allowed = {t for t in topics if policy.can(actor, Perm.REPLY, t)}

    assert bulk == allowed
    assert len(topics) == 4 * len(STATES) + 1
