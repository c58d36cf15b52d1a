"""visible_* querysets agree with the per-object rules, for every kind of actor."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.models import CommunityGroup, User
from accounts.roles import Role, TrustLevel
from forum import actions
from forum.models import Category, Post, Topic
from groups.models import ExpertRoute
from moderation.actions.appeals import appeal_action
from moderation.actions.posts import hide_post
from moderation.actions.sanctions import sanction_user
from moderation.models import Appeal, ModeratorAssignment, Rule
from permissions import policy
from permissions.policy import Perm
from tests.factories import (
    make_admin,
    make_brand,
    make_brand_rep,
    make_category,
    make_group,
    make_moderator,
    make_post,
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
    actors["topics"] = topics
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


# --- Which flagged posts a moderator may review -----------------------------------------


@pytest.fixture
def suspended_moderator(world):
    moderator = make_moderator(Category.objects.get(slug="public"), "mod_suspended")
    User.objects.filter(pk=moderator.pk).update(
        suspended_until=timezone.now() + timedelta(days=3)
    )
    return User.objects.get(pk=moderator.pk)


@pytest.mark.parametrize("actor_kind", [*ACTORS, "suspended_moderator"])
def test_reviewable_posts_agrees_with_review_flags(
    world, suspended_moderator, actor_kind
):
    world["suspended_moderator"] = suspended_moderator
    actor = world[actor_kind]
    # A reply by someone else where replies are possible.
    for key in ("public", "public_child", "beta_child"):
        topic = Topic.objects.get(pk=world["topics"][key].pk)
        make_post(topic, world["insider"], body=f"Another post in {topic.title}.")

    bulk = set(policy.reviewable_posts(actor, Post.objects.all()))
    one_by_one = {
        post
        for post in Post.objects.select_related("topic__category__parent")
        if policy.can(actor, Perm.REVIEW_FLAGS, post)
    }

    assert bulk == one_by_one
    assert (len(bulk) > 0) is (
        actor_kind in {"moderator_public", "moderator_beta", "admin"}
    )


# --- Which posting limits apply to a member ---------------------------------------------

LIMITS = {
    TrustLevel.NEW: {"posts_per_hour": 3, "links": 2},
    TrustLevel.BASIC: {"links": 10},
    TrustLevel.MEMBER: {},  # an empty entry limits nothing
    TrustLevel.LEADER: {"mentions": 50},
}


def _population() -> list[User]:
    """Every kind of account at every trust level, active and not."""
    category = make_category("Limits", slug="limits")
    brand = make_brand("Acme")
    soon = timezone.now() + timedelta(days=2)
    past = timezone.now() - timedelta(days=2)
    people = []
    for level in TrustLevel:
        tag = f"l{int(level)}"
        people += [
            make_user(f"member_{tag}", trust_level=level),
            make_user(f"admin_{tag}", trust_level=level, role=Role.ADMIN),
            make_user(f"super_{tag}", trust_level=level, is_superuser=True),
            make_user(
                f"rep_{tag}", trust_level=level, role=Role.BRAND_REP, brand=brand
            ),
            make_user(f"suspended_{tag}", trust_level=level, suspended_until=soon),
            make_user(f"was_suspended_{tag}", trust_level=level, suspended_until=past),
            make_user(f"closed_admin_{tag}", trust_level=level, role=Role.ADMIN),
            make_user(f"silenced_{tag}", trust_level=level, silenced_until=soon),
        ]
        moderator = make_user(f"moderator_{tag}", trust_level=level)
        suspended_moderator = make_user(
            f"suspended_moderator_{tag}", trust_level=level, suspended_until=soon
        )
        # A stray assignment (bulk_create skips save()'s refusal) makes a
        # representative no moderator, and no less a representative.
        stray_rep = make_user(
            f"stray_rep_{tag}", trust_level=level, role=Role.BRAND_REP, brand=brand
        )
        ModeratorAssignment.objects.bulk_create(
            [
                ModeratorAssignment(user=user, category=category)
                for user in (moderator, suspended_moderator, stray_rep)
            ]
        )
        people += [moderator, suspended_moderator, stray_rep]
    User.objects.filter(username__startswith="closed_").update(is_active=False)
    return people


@pytest.mark.parametrize("limits", [None, LIMITS], ids=["settings", "varied"])
def test_members_under_posting_limits_agrees_with_posting_limits(settings, limits):
    if limits is not None:
        settings.FORUM_NEW_MEMBER_LIMITS = limits
    _population()
    table = settings.FORUM_NEW_MEMBER_LIMITS

    bulk = set(policy.members_under_posting_limits(User.objects.all()))
    one_by_one = {
        user for user in User.objects.all() if policy.posting_limits(user) is not None
    }

    assert bulk == one_by_one
    for user in User.objects.all():
        limits_now = policy.posting_limits(user)
        if limits_now is not None:
            assert limits_now == table[user.trust_level]
            assert not policy.can(user, Perm.SKIP_POSTING_LIMITS, None)
    limited_names = {user.username for user in bulk}
    # Limited levels only; moderators, representatives and admins never (a
    # closed or suspended admin or moderator is limited: the exemption is a power).
    assert {"member_l0", "suspended_moderator_l0", "closed_admin_l0"} <= limited_names
    assert not limited_names & {
        "moderator_l0",
        "rep_l0",
        "stray_rep_l0",
        "admin_l0",
        "super_l0",
    }
    assert "member_l3" not in limited_names


# --- Which appeals a moderator may decide -------------------------------------------------


@pytest.mark.parametrize("actor_kind", [*ACTORS, "second_moderator_public"])
def test_decidable_appeals_agrees_with_decide_appeal(world, actor_kind):
    rule = Rule.objects.create(number=1, title="Be kind")
    public = Category.objects.get(slug="public")
    world["second_moderator_public"] = make_moderator(public, "mod_public_2")
    author, insider = world["author"], world["insider"]
    topics = world["topics"]
    # Appeals against a moderator's, another moderator's and an admin's
    # actions, in a public category, a restricted subcategory and none.
    hidden_public = hide_post(
        world["moderator_public"],
        topics["public_child"].first_post,
        rule=rule,
        reason="Off topic",
    )
    hidden_beta = hide_post(
        world["moderator_beta"], topics["beta_child"].first_post, rule=rule, reason="x"
    )
    other_admin = make_admin("admin_2")
    warned = sanction_user(
        other_admin, world["member"], kind="warning", rule=rule, reason="Insults"
    )
    warned_moderator = sanction_user(
        other_admin,
        world["moderator_public"],
        kind="warning",
        rule=rule,
        reason="Insults",
    )
    for appellant, action in (
        (author, hidden_public),
        (insider, hidden_beta),
        (world["member"], warned),
        (world["moderator_public"], warned_moderator),
    ):
        appeal_action(
            appellant, action, statement="I was quoting the manual, honestly."
        )
    actor = world[actor_kind]

    bulk = set(policy.decidable_appeals(actor, Appeal.objects.all()))
    one_by_one = {
        appeal
        for appeal in Appeal.objects.select_related("action__category__parent")
        if policy.can(actor, Perm.DECIDE_APPEAL, appeal)
    }

    assert bulk == one_by_one
    if actor_kind == "admin":
        assert len(bulk) == 4
    if actor_kind == "second_moderator_public":
        assert {a.appellant_id for a in bulk} == {author.pk}


# --- Whose group membership a viewer may see --------------------------------------------


@pytest.fixture
def more_groups(world):
    """Besides the world's listed beta: an unlisted panel, an expert group
    (mentionable), an unlisted expert group, a group routed questions in the
    public category, and a group restricted to the public category's child."""
    insider = world["insider"]
    panel = make_group("Secret panel", members=[insider])
    experts = make_group("Baristas", members=[insider])
    hidden_experts = make_group("Hidden experts", members=[insider])
    routed = make_group("Grinder nerds", members=[insider])
    child_only = make_group("Child readers", members=[insider])
    CommunityGroup.objects.filter(pk=panel.pk).update(is_listed=False)
    CommunityGroup.objects.filter(pk=experts.pk).update(mentionable=True)
    CommunityGroup.objects.filter(pk=hidden_experts.pk).update(
        is_listed=False, mentionable=True
    )
    ExpertRoute.objects.create(
        group=routed, category=Category.objects.get(slug="public")
    )
    Category.objects.filter(slug="public-child").update(restricted_to=child_only)


@pytest.mark.parametrize("actor_kind", [*ACTORS, "suspended_moderator"])
def test_groups_with_visible_members_agrees_with_view_group_members(
    world, more_groups, suspended_moderator, actor_kind
):
    actor = (
        suspended_moderator
        if actor_kind == "suspended_moderator"
        else world[actor_kind]
    )
    everything = CommunityGroup.objects.all()
    shown = set(policy.groups_with_visible_members(actor, everything))
    expected = {
        group
        for group in everything
        if policy.can(actor, Perm.VIEW_GROUP_MEMBERS, group)
    }
    assert shown == expected
    # A group whose members are shown is always one the actor may see.
    assert shown <= set(policy.visible_groups(actor, everything))
    names = {group.name for group in shown}
    # Expert groups are public; a beta's membership is not, even to its members.
    assert {"Baristas", "Hidden experts"} <= names
    if actor_kind in {"anonymous", "member", "author", "insider", "brand_rep"}:
        assert names == {"Baristas", "Hidden experts"}
    if actor_kind == "moderator_beta":
        assert "Beta testers" in names and "Secret panel" not in names
    if actor_kind == "moderator_public":
        assert {"Grinder nerds", "Child readers"} <= names
    if actor_kind == "admin":
        assert names == {group.name for group in everything}
