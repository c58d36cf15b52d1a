"""The poll verbs of the policy, per role (the roles matrix leaves them here:
they are asked of a poll)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from forum.models import CategoryKind
from permissions import policy
from permissions.policy import Perm
from polls.actions import PollSpec, start_topic_with_poll
from polls.models import Poll
from tests.factories import (
    make_admin,
    make_brand_rep,
    make_category,
    make_moderator,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    category = make_category("Talk", slug="talk", allow_polls=True)
    elsewhere = make_category("Elsewhere", slug="elsewhere")
    author = make_user("author")
    topic = start_topic_with_poll(
        author,
        category,
        title="What should we do next?",
        body="Vote below, please.",
        poll=PollSpec(question="Next?", options=("This", "That")),
    )
    actors = {
        "anonymous": AnonymousUser(),
        "author": author,
        "member": make_user("member"),
        "moderator_here": make_moderator(category, "mod_here"),
        "moderator_elsewhere": make_moderator(elsewhere, "mod_elsewhere"),
        "brand_rep": make_brand_rep("rep"),
        "admin": make_admin("admin"),
    }
    return {
        "actors": actors,
        "poll": Poll.objects.select_related("topic").get(topic=topic),
    }


def _allowed(world, perm):
    return {
        name
        for name, actor in world["actors"].items()
        if policy.can(actor, perm, world["poll"])
    }


def test_vote(world):
    assert _allowed(world, Perm.VOTE_POLL) == {
        "author",
        "member",
        "moderator_here",
        "moderator_elsewhere",
        "admin",
    }


@pytest.mark.parametrize("perm", [Perm.CLOSE_POLL, Perm.EDIT_POLL])
def test_close_and_edit(world, perm):
    assert _allowed(world, perm) == {"author", "moderator_here", "admin"}


def test_a_closed_poll_takes_no_votes_and_cannot_be_closed_or_edited(world):
    world["poll"].closes_at = timezone.now() - timedelta(minutes=1)
    for perm in (Perm.VOTE_POLL, Perm.CLOSE_POLL, Perm.EDIT_POLL):
        assert _allowed(world, perm) == set(), perm


def test_a_locked_topic_freezes_its_poll(world):
    world["poll"].topic.is_locked = True
    assert _allowed(world, Perm.VOTE_POLL) == set()


def test_start_poll_per_category():
    plain = make_category("Plain", slug="plain")
    open_ = make_category("Open", slug="open", allow_polls=True)
    ideas = make_category("Ideas", slug="ideas", kind=CategoryKind.IDEAS)
    member, rep = make_user("member"), make_brand_rep("rep")
    mod, admin = make_moderator(plain, "mod"), make_admin("admin")

    assert not policy.can(member, Perm.START_POLL, plain)
    assert policy.can(member, Perm.START_POLL, open_)
    assert not policy.can(member, Perm.START_POLL, ideas)
    assert policy.can(mod, Perm.START_POLL, plain)
    assert policy.can(admin, Perm.START_POLL, plain)
    assert not policy.can(rep, Perm.START_POLL, plain)
    assert not policy.can(rep, Perm.START_POLL, open_)
    assert policy.can(rep, Perm.START_POLL, ideas)
    assert not policy.can(AnonymousUser(), Perm.START_POLL, open_)
