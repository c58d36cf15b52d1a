"""Every (role × verb) cell of the roles table (docs/architecture.md), through the policy."""

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.models import Brand, CommunityGroup, JoinPolicy, MentionPolicy
from accounts.roles import TrustLevel
from conversations.actions import start_conversation
from forum.models import CategoryKind
from ideas.models import DecisionOwner
from moderation.models import ModerationAction, ModeratorAssignment
from permissions import policy
from permissions.policy import Perm
from privacy.models import DataExport
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

ACTORS = [
    "anonymous",
    "new_member",
    "member",
    "leader",
    "moderator_here",
    "moderator_elsewhere",
    "suspended_moderator_here",
    "brand_rep",
    "brand_rep_with_stray_assignment",
    "admin",
]
SIGNED_IN = set(ACTORS) - {"anonymous", "suspended_moderator_here"}
MODERATORS_HERE = {"moderator_here", "admin"}
REPS = {"brand_rep", "brand_rep_with_stray_assignment"}


@pytest.fixture
def world():
    category = make_category("General", slug="general")
    elsewhere = make_category("Elsewhere", slug="elsewhere")
    questions = make_category(
        "Help", slug="help", kind=CategoryKind.QUESTIONS, parent=category
    )
    ideas = make_category(
        "Ideas", slug="ideas", kind=CategoryKind.IDEAS, parent=category
    )
    third = make_user("third")
    actors: dict[str, Any] = {
        "anonymous": AnonymousUser(),
        "new_member": make_user("newbie", trust_level=TrustLevel.NEW),
        "member": make_user("member", trust_level=TrustLevel.MEMBER),
        "leader": make_user("leader", trust_level=TrustLevel.LEADER),
        "moderator_here": make_moderator(category, "mod_here"),
        "moderator_elsewhere": make_moderator(elsewhere, "mod_elsewhere"),
        "suspended_moderator_here": make_moderator(category, "mod_suspended"),
        "brand_rep": make_brand_rep("rep"),
        "brand_rep_with_stray_assignment": make_brand_rep("rep_stray"),
        "admin": make_admin("admin"),
    }
    actors["suspended_moderator_here"].is_active = False
    # save() refuses this row; a raw insert stands for a stray import.
    ModeratorAssignment.objects.bulk_create(
        [
            ModeratorAssignment(
                user=actors["brand_rep_with_stray_assignment"], category=category
            )
        ]
    )
    topic = make_topic(category, third, title="Someone else's topic")
    # groups: a listed beta taking applications, its category under "General".
    group = make_group("Beta testers")
    CommunityGroup.objects.filter(pk=group.pk).update(
        join_policy=JoinPolicy.APPLICATION,
        mentionable=True,
        mention_policy=MentionPolicy.MEMBERS,
    )
    group.refresh_from_db()
    make_category("Beta lab", slug="beta-lab", parent=category, restricted_to=group)
    # conversations: between two members nobody in the table is
    conversation = start_conversation(
        third, [world_target := make_user("target")], subject="Grinders", body="Hi"
    )
    moderation_action = ModerationAction.objects.create(
        kind="post_hidden",
        actor=actors["moderator_here"],
        actor_name="mod_here",
        actor_role="moderator",
        actor_alias="Moderator #1",
        rule_text="Be kind",
        reason="Insult",
        category=category,
        target_user=world_target,
        created_at=timezone.now(),
    )
    return {
        "conversation": conversation,
        "message": conversation.messages.get(),
        "moderation_action": moderation_action,
        "group": group,
        "actors": actors,
        "category": category,
        "topic": topic,
        "post": make_post(topic, third, body="Criticism of the brand."),
        "question": make_topic(questions, third, title="A question here", replies=1),
        "idea": make_topic(ideas, third, title="An idea for the brand"),
        "target": world_target,
        # privacy: an archive of a member nobody in the table is
        "data_export": DataExport.objects.create(
            user=third, requested_at=timezone.now(), status=DataExport.Status.READY
        ),
    }


def _allowed(world, perm, obj_for) -> set[str]:
    return {
        kind
        for kind, actor in world["actors"].items()
        if policy.can(actor, perm, obj_for(kind, actor))
    }


# verb -> (which object, who may)
TABLE = {
    Perm.VIEW_TOPIC: ("topic", set(ACTORS)),
    Perm.START_TOPIC: ("category", SIGNED_IN),
    Perm.REPLY: ("topic", SIGNED_IN),
    Perm.EDIT_POST: ("post", set()),  # someone else's post: nobody
    Perm.DELETE_POST: ("post", set()),
    Perm.LIKE_POST: ("post", SIGNED_IN),
    Perm.BOOKMARK_POST: ("post", SIGNED_IN),  # private; silenced members too
    Perm.FLAG_POST: ("post", SIGNED_IN),
    Perm.PREVIEW_POST: ("none", SIGNED_IN),
    # Members at trust levels without limits, moderators, verified reps, admins.
    Perm.SKIP_POSTING_LIMITS: ("none", SIGNED_IN - {"new_member"}),
    Perm.EDIT_PROFILE: ("target", set()),  # someone else's profile: nobody
    Perm.KEEP_OWN_STATE: ("none", SIGNED_IN),
    Perm.MANAGE_API_TOKENS: ("none", SIGNED_IN),
    Perm.HIDE_POST: ("post", MODERATORS_HERE),
    Perm.REMOVE_POST: ("post", MODERATORS_HERE),
    Perm.REDACT_POST: ("post", MODERATORS_HERE),
    Perm.VIEW_FLAGGERS: ("post", MODERATORS_HERE),
    Perm.LOCK_TOPIC: ("topic", MODERATORS_HERE),
    Perm.CLOSE_TOPIC: ("topic", MODERATORS_HERE),
    Perm.PIN_TOPIC: ("topic", MODERATORS_HERE),
    Perm.MOVE_TOPIC: ("topic", MODERATORS_HERE),
    Perm.MERGE_TOPIC: ("topic", MODERATORS_HERE),
    Perm.SPLIT_TOPIC: ("topic", MODERATORS_HERE),
    Perm.RETITLE_TOPIC: ("topic", MODERATORS_HERE),
    Perm.SLOW_MODE: ("topic", MODERATORS_HERE),
    Perm.VIEW_REVIEW_QUEUE: ("category", MODERATORS_HERE),
    Perm.REVIEW_FLAGS: ("post", MODERATORS_HERE),
    Perm.SANCTION_USER: ("target", {"moderator_here", "moderator_elsewhere", "admin"}),
    Perm.ASK_BRAND: ("topic", SIGNED_IN - REPS),
    Perm.ANSWER_BRAND_REQUESTS: ("none", REPS | {"admin"}),
    Perm.ESCALATE_TO_SUPPORT: ("topic", REPS | {"admin"}),
    Perm.POST_OFFICIAL_ANSWER: ("question", REPS),
    # Peers first (issue 17): moderators route; representatives confirm a
    # member's answer (withdrawing: tests/recognition/test_confirmations.py).
    Perm.ROUTE_TO_BRAND: ("topic", MODERATORS_HERE),
    Perm.CONFIRM_ANSWER: ("post", REPS),
    Perm.VOTE_IDEA: ("idea", SIGNED_IN),
    # Nobody is named a decision owner here (see test_idea_status_*).
    Perm.SET_IDEA_STATUS: ("idea", set()),
    Perm.NAME_DECISION_OWNER: ("none", {"admin"}),
    Perm.VIEW_MODERATOR_NAMES: (
        "none",
        {"moderator_here", "moderator_elsewhere", "admin"},
    ),
    # Polls: the category allows none; only those who moderate it may.
    Perm.START_POLL: ("category", MODERATORS_HERE),
    Perm.ACCESS_ADMIN: ("none", {"admin"}),
    Perm.ASSIGN_MODERATOR: ("none", {"admin"}),
    Perm.MANAGE_BRAND_REPS: ("none", {"admin"}),
    Perm.SET_TRUST_LEVEL: ("none", {"admin"}),
    Perm.MANAGE_ELSEWHERE: ("none", {"admin"}),
    Perm.EXPORT_COMMUNITY: ("none", {"admin"}),
    # insights
    Perm.VIEW_LISTENING_REPORT: ("none", REPS | {"admin"}),
    Perm.VIEW_GIVE_GET: ("target", set()),  # someone else's page: nobody
    # groups: managers are the moderators of the group's categories and
    # admins, never a representative (who may only recommend)
    Perm.VIEW_GROUP: ("group", set(ACTORS)),
    Perm.VIEW_GROUP_MEMBERS: ("group", set(ACTORS)),  # mentionable: public
    Perm.JOIN_GROUP: ("group", SIGNED_IN),
    Perm.MANAGE_GROUP: ("group", MODERATORS_HERE),
    Perm.RECOMMEND_APPLICANT: ("group", REPS),
    Perm.MENTION_GROUP: ("group", MODERATORS_HERE),  # members-only; nobody is one
    Perm.END_BETA: ("group", {"admin"}),
    # conversations: a member with no open request with the representative's
    # brand; the representative may not write first (see tests/conversations)
    Perm.START_CONVERSATION: ("target", SIGNED_IN - REPS),
    # a conversation nobody in the table is in: nobody, admins included
    Perm.VIEW_CONVERSATION: ("conversation", set()),
    Perm.REPLY_CONVERSATION: ("conversation", set()),
    Perm.REPORT_MESSAGE: ("message", set()),
    Perm.DELETE_MESSAGE: ("message", set()),
    Perm.VIEW_MESSAGE_REPORTS: ("none", {"admin"}),
    Perm.WRITE_ABOUT_ACTION: ("moderation_action", MODERATORS_HERE),
    Perm.IGNORE_MEMBER: ("target", SIGNED_IN),
    # invitations: trust level 2 or more, never a representative (into a
    # group: tests/accounts/test_invitations.py)
    Perm.CREATE_INVITATION: ("none", SIGNED_IN - REPS - {"new_member"}),
    # uploads (issue 22); who sees an upload: tests/uploads/test_uploads.py
    Perm.UPLOAD_FILE: ("none", SIGNED_IN),
    # privacy (issue 24): someone else's archive or account: nobody, admins
    # included (own: test_everyone_signed_in_has_their_own_data_only)
    Perm.REQUEST_DATA_EXPORT: ("none", SIGNED_IN),
    Perm.DOWNLOAD_DATA_EXPORT: ("data_export", set()),
    Perm.DELETE_ACCOUNT: ("target", set()),
}


@pytest.mark.parametrize("perm", list(TABLE), ids=str)
def test_roles_table(world, perm):
    which, expected = TABLE[perm]
    obj = None if which == "none" else world[which]

    assert _allowed(world, perm, lambda kind, actor: obj) == expected


@pytest.mark.parametrize("perm", [Perm.EDIT_POST, Perm.DELETE_POST])
def test_everyone_signed_in_edits_and_deletes_own_posts(world, perm):
    own_posts = {
        kind: make_post(world["topic"], actor, body=f"My own words, {kind}.")
        for kind, actor in world["actors"].items()
        if kind in SIGNED_IN
    }

    allowed = _allowed(
        world, perm, lambda kind, actor: own_posts.get(kind, world["post"])
    )

    assert allowed == SIGNED_IN


def test_everyone_signed_in_edits_their_own_profile_only(world):
    allowed = _allowed(world, Perm.EDIT_PROFILE, lambda kind, actor: actor)

    assert allowed == SIGNED_IN


def test_everyone_signed_in_has_their_own_data_only(world):
    """privacy: each actor downloads their own archive and deletes their own
    account; someone else's archive is concealed (404), admins' included."""
    exports = {
        kind: DataExport.objects.create(user=actor, requested_at=timezone.now())
        for kind, actor in world["actors"].items()
        if kind != "anonymous"
    }

    downloads = _allowed(
        world,
        Perm.DOWNLOAD_DATA_EXPORT,
        lambda kind, actor: exports.get(kind, world["data_export"]),
    )
    deletes = _allowed(world, Perm.DELETE_ACCOUNT, lambda kind, actor: actor)

    assert downloads == SIGNED_IN
    assert deletes == SIGNED_IN
    admin = world["actors"]["admin"]
    decision = policy.check(admin, Perm.DOWNLOAD_DATA_EXPORT, world["data_export"])
    assert decision.conceal is True


def test_accept_answer_is_for_the_asker_and_moderators(world):
    question = world["question"]
    answer = question.posts.get(number=2)
    asker = question.author

    allowed = _allowed(world, Perm.ACCEPT_ANSWER, lambda kind, actor: answer)

    assert allowed == MODERATORS_HERE
    assert policy.can(asker, Perm.ACCEPT_ANSWER, answer) is True


def test_everyone_signed_in_sees_their_own_give_get_page_only(world):
    allowed = _allowed(world, Perm.VIEW_GIVE_GET, lambda kind, actor: actor)

    assert allowed == SIGNED_IN


def test_a_representative_reads_only_their_own_brands_report(world):
    rep = world["actors"]["brand_rep"]
    other = make_brand("Other brand")

    assert policy.can(rep, Perm.VIEW_LISTENING_REPORT, rep.brand) is True
    assert policy.check(rep, Perm.VIEW_LISTENING_REPORT, other).conceal is True
    assert policy.can(world["actors"]["admin"], Perm.VIEW_LISTENING_REPORT, other)


def test_every_perm_is_in_the_table_or_tested_elsewhere():
    tested_elsewhere = {
        Perm.VIEW_CATEGORY,  # test_policy_querysets
        Perm.ACCEPT_ANSWER,
        Perm.VIEW_POST_HISTORY,  # tests/forum
        Perm.REQUEST_REVIEW,  # tests/moderation
        Perm.APPEAL_ACTION,
        Perm.DECIDE_APPEAL,
        Perm.VOTE_POLL,  # tests/polls/test_poll_policy.py
        Perm.CLOSE_POLL,
        Perm.EDIT_POLL,
        Perm.WITHDRAW_CONFIRMATION,  # tests/recognition/test_confirmations.py
        Perm.VIEW_UPLOAD,  # tests/uploads (restricted categories over HTTP)
    }
    assert set(TABLE) | tested_elsewhere == set(Perm)


def test_every_perm_has_a_rule():
    assert set(policy._RULES) == set(Perm)


def test_brand_rep_is_denied_every_moderation_verb_with_a_reason(world):
    rep = world["actors"]["brand_rep_with_stray_assignment"]
    for perm in (Perm.HIDE_POST, Perm.REMOVE_POST, Perm.REDACT_POST, Perm.LOCK_TOPIC):
        obj = world["post"] if "post" in perm else world["topic"]
        decision = policy.check(rep, perm, obj)
        assert decision.allowed is False
        assert "never" in decision.reason


def test_idea_status_is_for_named_decision_owners_and_the_bulk_form_agrees(world):
    """Named owners decide; a moderator named by a stray row, a representative
    of another brand and everyone unnamed are refused; decision_owner_ids
    (the bulk form) agrees with the per-object rule."""
    actors = world["actors"]
    brand = actors["brand_rep"].brand
    other_brand = Brand.objects.create(name="Other", slug="other")
    for kind in (
        "brand_rep",
        "admin",
        "moderator_here",
        "brand_rep_with_stray_assignment",
        "suspended_moderator_here",
    ):
        DecisionOwner.objects.create(brand=brand, user=actors[kind])
    rival = make_brand_rep("rival")
    DecisionOwner.objects.create(brand=other_brand, user=rival)
    idea = world["idea"]
    actors = {**actors, "rival": rival}
    for actor in actors.values():
        actor.__dict__.pop("decision_scopes", None)

    allowed = {
        kind
        for kind, actor in actors.items()
        if policy.can(actor, Perm.SET_IDEA_STATUS, idea)
    }

    # A stray moderator row never makes a representative a moderator.
    assert allowed == {"brand_rep", "brand_rep_with_stray_assignment", "admin"}
    assert policy.decision_owner_ids(idea) == {actors[kind].pk for kind in allowed}
    # Not an idea: nobody.
    assert not policy.can(actors["brand_rep"], Perm.SET_IDEA_STATUS, world["topic"])
    assert policy.decision_owner_ids(world["topic"]) == set()
