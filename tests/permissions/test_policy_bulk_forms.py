"""The bulk policy forms agree with the per-object rules on a generated population.

users_who_may_decide_appeal vs can(user, DECIDE_APPEAL, appeal), and
users_who_may_review_flag vs may_review_flag(user, flag), and
decision_owner_ids vs can(user, SET_IDEA_STATUS, idea), for every
combination of role, superuser flag, moderator assignment, suspension,
deactivation and brand link.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from forum.models import CategoryKind, Topic
from ideas.models import DecisionOwner
from moderation.actions.appeals import appeal_action
from moderation.actions.flags import flag_post
from moderation.actions.posts import hide_post
from moderation.actions.sanctions import sanction_user
from moderation.models import Appeal, Flag, ModeratorAssignment
from permissions import policy
from permissions.policy import Perm
from tests.factories import (
    make_admin,
    make_brand,
    make_brand_rep,
    make_category,
    make_moderator,
    make_post,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

STATEMENT = "This was not what the rule is about, please look again."


@pytest.fixture
def world():
    parent = make_category("Machines", slug="machines")
    child = make_category("Grinders", slug="grinders", parent=parent)
    other = make_category("Off topic", slug="off-topic")
    brand = make_brand()
    acting_moderator = make_moderator(child, "acting")
    acting_admin = make_admin("acting_admin")
    author = make_user("author")
    topic = make_topic(child, make_user("starter"), title="Burr alignment tips")
    posts = [make_post(topic, author, body=f"Post {i}") for i in range(3)]

    # The population: every combination, written the way a raw import would
    # (bulk_create skips save(), so stray assignments and links get in).
    now = timezone.now()
    people = []
    for n, (role, superuser, suspended, active, linked) in enumerate(
        itertools.product(
            [Role.MEMBER, Role.ADMIN, Role.BRAND_REP],
            [False, True],
            [False, True],
            [True, False],
            [False, True],
        )
    ):
        if role == Role.BRAND_REP and superuser:
            continue  # the database refuses it (brand_rep_is_never_staff)
        people.append(
            User(
                username=f"p{n}",
                email=f"p{n}@example.com",
                role=role,
                is_superuser=superuser,
                is_active=active,
                suspended_until=now + timedelta(days=2) if suspended else None,
                brand=brand if linked or role == Role.BRAND_REP else None,
            )
        )
    people = User.objects.bulk_create(people)
    assignments = itertools.cycle([None, child, parent, other])
    ModeratorAssignment.objects.bulk_create(
        [
            ModeratorAssignment(user=person, category=category)
            for person, category in zip(people, assignments, strict=False)
            if category is not None
        ]
    )

    # Appeals: against a hide in the child category (by a moderator and by
    # an admin), and against a sanction without a post (no category).
    hidden = hide_post(acting_moderator, posts[0], rule=None, reason="Off topic.")
    hidden_by_admin = hide_post(acting_admin, posts[1], rule=None, reason="Rude.")
    warned = sanction_user(
        acting_moderator, make_user("warned"), kind="warning", rule=None, reason="Spam."
    )
    appeals = [
        appeal_action(author, hidden, statement=STATEMENT),
        appeal_action(author, hidden_by_admin, statement=STATEMENT),
        appeal_action(warned.target_user, warned, statement=STATEMENT),
    ]
    # Flags from a member and from a brand representative.
    rep = make_brand_rep("rep")
    flags = [
        flag_post(make_user("flagger"), posts[2], kind="spam"),
        flag_post(rep, posts[2], kind="spam"),
    ]
    return {"appeals": appeals, "flags": flags}


def _everyone() -> list[User]:
    # Fresh instances: the rules cache assignments per instance.
    return list(User.objects.all())


@pytest.mark.parametrize("index", [0, 1, 2])
def test_users_who_may_decide_appeal_agrees_with_decide_appeal(world, index):
    appeal = Appeal.objects.select_related("action__category__parent").get(
        pk=world["appeals"][index].pk
    )
    people = _everyone()

    bulk = policy.users_who_may_decide_appeal(appeal)
    one_by_one = {p.pk for p in people if policy.can(p, Perm.DECIDE_APPEAL, appeal)}

    assert bulk == one_by_one
    assert bulk  # the population has deciders, so agreement means something
    some = [p.pk for p in people[::3]]
    assert policy.users_who_may_decide_appeal(appeal, some) == one_by_one & set(some)


@pytest.mark.parametrize("index", [0, 1])
def test_users_who_may_review_flag_agrees_with_may_review_flag(world, index):
    flag = Flag.objects.select_related("post__topic__category__parent").get(
        pk=world["flags"][index].pk
    )
    people = _everyone()

    bulk = policy.users_who_may_review_flag(flag)
    one_by_one = {p.pk for p in people if policy.may_review_flag(p, flag)}

    assert bulk == one_by_one
    assert bulk
    some = [p.pk for p in people[::3]]
    assert policy.users_who_may_review_flag(flag, some) == one_by_one & set(some)


def test_suspended_moderator_may_not_decide_and_is_not_a_decider(world):
    appeal = Appeal.objects.select_related("action__category__parent").get(
        pk=world["appeals"][0].pk
    )
    suspended = User.objects.filter(
        suspended_until__gt=timezone.now(),
        role=Role.MEMBER,
        moderator_assignments__isnull=False,
    ).first()
    assert suspended is not None

    assert not policy.can(suspended, Perm.DECIDE_APPEAL, appeal)
    assert suspended.pk not in policy.users_who_may_decide_appeal(appeal)


def test_decision_owner_ids_agrees_with_set_idea_status(world):
    """The same population, each named a decision owner in one of several
    scopes (every ideas category of the brand, the idea's parent category,
    another ideas category, another brand), or not at all."""
    brand = make_brand()
    other_brand = make_brand("Rival")
    ideas = make_category("Ideas", slug="ideas", kind=CategoryKind.IDEAS)
    product = make_category(
        "Product ideas", slug="product-ideas", kind=CategoryKind.IDEAS, parent=ideas
    )
    elsewhere = make_category("Site ideas", slug="site-ideas", kind=CategoryKind.IDEAS)
    idea = make_topic(product, make_user("proposer"), title="A quieter pump")
    scopes = itertools.cycle(
        [(brand, None), (brand, ideas), (brand, elsewhere), (other_brand, None), None]
    )
    DecisionOwner.objects.bulk_create(
        [
            DecisionOwner(brand=scope[0], category=scope[1], user=person)
            for person, scope in zip(_everyone(), scopes, strict=False)
            if scope is not None
        ]
    )
    idea = Topic.objects.select_related("category__parent").get(pk=idea.pk)
    people = _everyone()

    bulk = policy.decision_owner_ids(idea)
    one_by_one = {p.pk for p in people if policy.can(p, Perm.SET_IDEA_STATUS, idea)}

    assert bulk == one_by_one
    assert bulk  # some owners pass, so agreement means something
