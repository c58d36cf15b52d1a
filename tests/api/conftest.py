import pytest
from django.test import Client

from accounts.models import GroupMembership
from api import actions
from forum.models import Topic
from moderation.models import Rule
from tests.factories import (
    make_brand_rep,
    make_category,
    make_group,
    make_moderator,
    make_topic,
    make_user,
)


def bearer(client: Client, user=None, secret: str | None = None):
    """GET helper: *client*.get with the user's fresh token (or *secret*)."""
    if secret is None and user is not None:
        _token, secret = actions.create_token(user, name="test")

    def get(path, **extra):
        if secret is not None:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        return client.get(path, **extra)

    return get


@pytest.fixture
def world(db):
    return make_world()


def make_world():
    """A public category with a moderator, a group-only category, a private
    one nobody but its moderators may read; a hidden topic and a hidden post."""
    from moderation.actions.posts import hide_post

    public = make_category("Espresso", slug="espresso")
    beta = make_group("Beta testers")
    lab = make_category("Beta lab", slug="beta-lab", restricted_to=beta)
    staff_group = make_group("Staff room")
    staff = make_category("Staff", slug="staff", restricted_to=staff_group)
    staff_moderator = make_moderator(staff, "stan")
    author = make_user("ada")
    insider = make_user("bea")
    GroupMembership.objects.create(group=beta, user=insider)
    moderator = make_moderator(public, "mira")
    rep = make_brand_rep("marco")
    member = make_user("carl")
    rule = Rule.objects.create(number=1, title="Be kind")
    visible = make_topic(public, author, title="Grinding for espresso", replies=2)
    hidden_topic = make_topic(public, author, title="Rude topic")
    # Hidden topics come from imports and the spam filter: set the flag.
    Topic.objects.filter(pk=hidden_topic.pk).update(is_hidden=True)
    reply = visible.posts.get(number=2)
    hide_post(moderator, reply, rule=rule, reason="Personal attack")
    lab_topic = make_topic(lab, insider, title="Firmware 2.1 beta notes")
    staff_topic = make_topic(staff, staff_moderator, title="Staff only")
    return {
        "public": public,
        "lab": lab,
        "staff": staff,
        "beta": beta,
        "author": author,
        "insider": insider,
        "moderator": moderator,
        "rep": rep,
        "member": member,
        "visible": visible,
        "hidden_topic": hidden_topic,
        "hidden_reply": reply,
        "lab_topic": lab_topic,
        "staff_topic": staff_topic,
        "rule": rule,
        "staff_moderator": staff_moderator,
    }
