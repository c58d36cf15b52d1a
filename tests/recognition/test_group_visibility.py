"""Profiles and the member directory show a group's membership only to those
the group page shows its member list to (permissions.policy
VIEW_GROUP_MEMBERS): everyone for a mentionable (expert) group, its managers
for any other, a beta's included; the owner of a profile sees all of their
own groups. Hidden and unknown groups read the same in the directory."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import CommunityGroup
from forum.models import CategoryKind
from tests.factories import (
    make_admin,
    make_brand_rep,
    make_category,
    make_group,
    make_moderator,
    make_post,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

BETA = "Firmware beta round"
PANEL = "Tasting panel"
EXPERTS = "Latte art experts"


@pytest.fixture
def world():
    """tess belongs to a listed beta (its lab moderated by mira), an unlisted
    panel and a mentionable expert group; otto is a fellow beta tester."""
    tess = make_user("tess")
    otto = make_user("otto")
    beta = make_group(BETA, [tess, otto])
    panel = make_group(PANEL, [tess])
    experts = make_group(EXPERTS, [tess])
    CommunityGroup.objects.filter(pk=panel.pk).update(is_listed=False)
    CommunityGroup.objects.filter(pk=experts.pk).update(mentionable=True)
    lab = make_category("Beta lab", slug="beta-lab", restricted_to=beta)
    return {
        "tess": tess,
        "otto": otto,
        "plain": make_user("plain"),
        "mira": make_moderator(lab, "mira"),
        "admin": make_admin("ines"),
        "rep": make_brand_rep("marco"),
        "beta": beta,
        "panel": panel,
        "experts": experts,
    }


def _client(user) -> Client:
    client = Client()
    if not isinstance(user, AnonymousUser):
        client.force_login(user)
    return client


def _viewer(world, kind: str):
    return AnonymousUser() if kind == "anonymous" else world[kind]


def _profile(client: Client) -> str:
    response = client.get(reverse("accounts:profile", args=["tess"]))
    assert response.status_code == 200
    return response.content.decode()


def _directory(client: Client, slug: str = "") -> str:
    url = reverse("recognition:directory")
    response = client.get(url + (f"?group={slug}" if slug else ""))
    assert response.status_code == 200
    return response.content.decode()


# What each viewer sees of tess's groups on her profile.
PROFILE_SEES = {
    "anonymous": {EXPERTS},
    "plain": {EXPERTS},
    "otto": {EXPERTS},  # a fellow beta tester: a beta's membership is not published
    "rep": {EXPERTS},
    "mira": {EXPERTS, BETA},  # manages the beta, not the panel
    "admin": {EXPERTS, BETA, PANEL},
    "tess": {EXPERTS, BETA, PANEL},  # her own profile
}


@pytest.mark.parametrize("kind", list(PROFILE_SEES))
def test_a_profile_lists_only_groups_whose_membership_the_viewer_may_see(world, kind):
    page = _profile(_client(_viewer(world, kind)))
    for name in (EXPERTS, BETA, PANEL):
        assert (name in page) == (name in PROFILE_SEES[kind]), name


def test_a_profile_hides_a_beta_flair_label_too(world):
    CommunityGroup.objects.filter(pk=world["beta"].pk).update(flair="Beta 3.0")
    assert "Beta 3.0" not in _profile(_client(AnonymousUser()))
    assert "Beta 3.0" in _profile(_client(world["mira"]))


# Which groups each viewer may filter the directory by.
DIRECTORY_OFFERS = {
    "anonymous": {EXPERTS},
    "plain": {EXPERTS},
    "tess": {EXPERTS},  # a member: filtering would list her fellow testers
    "rep": {EXPERTS},
    "mira": {EXPERTS, BETA},
    "admin": {EXPERTS, BETA, PANEL},
}


@pytest.mark.parametrize("kind", list(DIRECTORY_OFFERS))
def test_the_directory_offers_and_accepts_only_such_groups(world, kind):
    client = _client(_viewer(world, kind))
    offered = _directory(client)
    for group in ("beta", "panel", "experts"):
        name, slug = world[group].name, world[group].slug
        allowed = name in DIRECTORY_OFFERS[kind]
        assert (f'value="{slug}"' in offered) == allowed, slug
        page = _directory(client, slug)
        if allowed:
            assert 'data-member="tess"' in page
            assert 'data-member="plain"' not in page
            assert "data-unknown-group" not in page
        else:
            # Everyone is shown, with the notice an unknown name gets.
            assert 'data-member="plain"' in page
            assert "no group by that name" in page
            assert f'value="{slug}"' not in page


def test_a_hidden_group_reads_like_an_unknown_one(world):
    client = _client(world["plain"])
    hidden = _directory(client, world["beta"].slug)
    unknown = _directory(client, "no-such-group")

    def same(page: str, slug: str) -> str:
        page = re.sub(r'"X-CSRFToken": "[^"]*"', "", page.replace(slug, ""))
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)

    assert same(hidden, world["beta"].slug) == same(unknown, "no-such-group")
    assert BETA not in hidden


def test_the_group_page_member_list_follows_the_same_rule(world):
    """The member list on /g/<slug>/ and the profiles agree."""
    for kind in ("plain", "otto", "mira"):
        page = (
            _client(_viewer(world, kind))
            .get(world["beta"].get_absolute_url())
            .content.decode()
        )
        shows = BETA in PROFILE_SEES[kind]
        assert ('id="members-heading"' in page) == shows, kind


@pytest.mark.parametrize("page", ["profile", "directory"])
def test_a_managers_profile_and_filtered_directory_cost_the_same_at_two_sizes(
    world, page
):
    client = _client(world["mira"])
    url = (
        reverse("accounts:profile", args=["tess"])
        if page == "profile"
        else reverse("recognition:directory") + f"?group={world['beta'].slug}"
    )
    desk = make_category("Espresso", slug="espresso", kind=CategoryKind.QUESTIONS)

    def count() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    make_post(make_topic(desk, world["otto"]), world["tess"], body="First answer.")
    small = count()
    for i in range(8):
        member = make_user(f"tester{i}")
        world["beta"].members.add(member)
        group = make_group(f"Roasters {i}", [world["tess"]])
        CommunityGroup.objects.filter(pk=group.pk).update(mentionable=i % 2 == 0)
        make_post(make_topic(desk, member), world["tess"], body=f"Answer {i}.")
    assert count() == small
