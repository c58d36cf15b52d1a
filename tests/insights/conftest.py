"""A hand-built forum whose give-and-get figures are counted by hand in the tests.

Questions (public):
  T1 by alice "Grinder burrs squeak loudly": bob twice, carol, alice herself,
     the representative marco, the moderator mira.           -> helps: bob, carol
  T2 by bob "Steam wand sputters badly": alice; carol (deleted by her);
     dave (hidden by mira).                                    -> helps: alice
  T3 by carol "Pressure gauge stuck at zero": dave as a member, who later
     became a brand representative (his post keeps its member role). -> dave
  T5 by alice, 120 days old "Descaling schedule for hard water": carol, also
     120 days old.                                             -> carol (old)
  T6 by erin "Grinder burrs misaligned after cleaning": no reply yet.
Beta questions (restricted to the group "Beta", members alice and bob):
  T4 by alice "Beta firmware pressure curve": bob.            -> bob (restricted)
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from forum import actions
from forum.models import CategoryKind, Post, Topic
from moderation.actions.posts import hide_post
from tests.factories import (
    make_brand,
    make_brand_rep,
    make_category,
    make_group,
    make_moderator,
    make_topic,
    make_user,
)


def _reply(author, topic, body):
    return actions.reply_to_topic(author, topic, body=body)


def _age(topic: Topic, days: int) -> None:
    when = timezone.now() - timedelta(days=days)
    Topic.objects.filter(pk=topic.pk).update(created_at=when, last_posted_at=when)
    Post.objects.filter(topic=topic).update(created_at=when)


@pytest.fixture
def world(db):
    questions = make_category("Help", slug="help", kind=CategoryKind.QUESTIONS)
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    dave, erin = make_user("dave"), make_user("erin")
    beta = make_group("Beta", members=[alice, bob])
    beta_questions = make_category(
        "Beta help", slug="beta-help", kind=CategoryKind.QUESTIONS, restricted_to=beta
    )
    ideas = make_category("Ideas", slug="ideas", kind=CategoryKind.IDEAS)
    mira = make_moderator(questions, "mira")
    marco = make_brand_rep("marco")

    t1 = make_topic(questions, alice, title="Grinder burrs squeak loudly")
    _reply(bob, t1, "Clean the burrs with rice-free tablets.")
    _reply(bob, t1, "And check the burr carrier.")
    _reply(carol, t1, "Mine squeaked until I re-seated the burrs.")
    _reply(alice, t1, "Thanks, trying both.")
    _reply(marco, t1, "Our support page has a video on this.")
    _reply(mira, t1, "Moved here from General.")

    t2 = make_topic(questions, bob, title="Steam wand sputters badly")
    _reply(alice, t2, "Purge the wand first.")
    deleted = _reply(carol, t2, "Wrong thread, sorry.")
    actions.delete_post(carol, deleted)
    hidden = _reply(dave, t2, "Buy a new machine lol")
    hide_post(mira, hidden, rule=None, reason="Not helpful")

    t3 = make_topic(questions, carol, title="Pressure gauge stuck at zero")
    _reply(dave, t3, "The gauge tube is blocked; backflush.")
    dave.role, dave.brand = Role.BRAND_REP, make_brand()
    dave.save()

    t4 = make_topic(beta_questions, alice, title="Beta firmware pressure curve")
    _reply(bob, t4, "Set the preinfusion to four seconds.")

    t5 = make_topic(questions, alice, title="Descaling schedule for hard water")
    _reply(carol, t5, "Every two months with hard water.")
    _age(t5, 120)

    t6 = make_topic(questions, erin, title="Grinder burrs misaligned after cleaning")
    idea = make_topic(ideas, erin, title="A bigger drip tray")
    return {
        "questions": questions,
        "beta_questions": beta_questions,
        "ideas": ideas,
        "alice": alice,
        "bob": bob,
        "carol": carol,
        "dave": dave,
        "erin": erin,
        "mira": mira,
        "marco": marco,
        "t1": t1,
        "t2": t2,
        "t3": t3,
        "t4": t4,
        "t5": t5,
        "t6": t6,
        "idea": idea,
    }
