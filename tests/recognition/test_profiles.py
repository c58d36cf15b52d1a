"""Profiles show what a person did, only from categories the viewer can read;
the member directory ranks by peer-validated help, filters by group; both
cost the same number of queries at two data sizes."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import CommunityGroup
from forum import actions
from forum.models import CategoryKind
from recognition.actions import recompute_awards
from recognition.models import Award
from tests.factories import (
    make_brand_rep,
    make_category,
    make_group,
    make_post,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def help_desk():
    return make_category("Espresso", slug="espresso", kind=CategoryKind.QUESTIONS)


def _expert_group(name: str, members) -> CommunityGroup:
    """A mentionable group: its membership is public (docs/decisions.md)."""
    group = make_group(name, members)
    CommunityGroup.objects.filter(pk=group.pk).update(mentionable=True)
    group.refresh_from_db()
    return group


def _help(helper, category, n: int, *, prefix: str = "q", group=None) -> None:
    """*helper* answers n questions by different askers; each accepted."""
    for i in range(n):
        asker = make_user()
        if group is not None:
            group.members.add(asker)
        question = make_topic(category, asker, title=f"{prefix} question number {i}")
        answer = make_post(question, helper, body=f"{prefix} answer {i}.")
        actions.accept_answer(asker, answer)


def test_a_profile_shows_what_the_member_did(client, help_desk):
    helper = make_user("helper", display_name="Hana Helper")
    _help(helper, help_desk, 3)
    make_topic(help_desk, helper, title="My own grinder question")
    _expert_group("Lever owners", [helper])
    recompute_awards(None)

    page = client.get(reverse("accounts:profile", args=["helper"])).content.decode()

    assert "Helped 3 members" in page
    assert "3 accepted answers" in page
    assert "Accepted answer: 3" in page
    assert "First to help: 3" in page
    assert "My own grinder question" in page
    assert "q question number 2" in page
    assert "Lever owners" in page


def test_a_profile_shows_nothing_from_a_category_the_viewer_cannot_read(client):
    insiders = make_group("Beta testers")
    secret = make_category(
        "Prototype",
        slug="prototype",
        kind=CategoryKind.QUESTIONS,
        restricted_to=insiders,
    )
    helper = make_user("helper")
    insiders_member = make_user("insider")
    insiders.members.add(insiders_member, helper)
    _help(helper, secret, 2, prefix="secret", group=insiders)
    make_topic(secret, helper, title="Secret prototype pump noise")
    recompute_awards(None)
    url = reverse("accounts:profile", args=["helper"])

    outsider_page = client.get(url).content.decode()
    client.force_login(insiders_member)
    insider_page = client.get(url).content.decode()

    for text in ("Secret prototype", "secret question", "Prototype"):
        assert text not in outsider_page
        assert text in insider_page
    assert "Helped 0 members" in outsider_page
    assert "Helped 2 members" in insider_page


def test_profiles_are_paginated(client, help_desk):
    helper = make_user("helper")
    topic = make_topic(help_desk, make_user(), title="A long conversation")
    for i in range(25):
        make_post(topic, helper, body=f"Reply number {i} in the thread.")

    first = client.get(reverse("accounts:profile", args=["helper"])).content.decode()
    second = client.get(
        reverse("accounts:profile", args=["helper"]) + "?page=2"
    ).content.decode()

    assert "Reply number 24" in first and "Reply number 0 " not in first
    assert "Reply number 0 in the thread" in second
    assert "Page 2 of 2" in second


def test_a_representatives_profile_says_they_earn_no_awards(client, help_desk):
    make_brand_rep("marco")

    page = client.get(reverse("accounts:profile", args=["marco"])).content.decode()

    assert "don't earn community awards" in page


def test_directory_ranks_by_help_over_the_period_and_filters_by_group(
    client, help_desk
):
    top = make_user("top")
    second = make_user("second")
    quiet = make_user("quiet")
    _help(top, help_desk, 3, prefix="t")
    _help(second, help_desk, 1, prefix="s")
    make_topic(help_desk, quiet, title="Many posts but no validated help")
    _expert_group("Lever owners", [second, quiet])
    recompute_awards(None)
    client.force_login(quiet)

    page = client.get(reverse("recognition:directory")).content.decode()
    assert page.index('data-member="top"') < page.index('data-member="second"')
    assert page.index('data-member="second"') < page.index('data-member="quiet"')
    assert 'data-member="marco"' not in page

    for period in ("30d", "year", "all"):
        response = client.get(reverse("recognition:directory") + f"?period={period}")
        assert response.status_code == 200

    grouped = client.get(
        reverse("recognition:directory") + "?group=lever-owners"
    ).content.decode()
    assert 'data-member="top"' not in grouped
    assert grouped.index('data-member="second"') < grouped.index('data-member="quiet"')
    # Unknown values fall back rather than fail.
    assert (
        client.get(reverse("recognition:directory") + "?period=x&group=y").status_code
        == 200
    )


def test_directory_old_help_counts_for_all_time_not_the_last_30_days(client, help_desk):
    veteran = make_user("veteran")
    _help(veteran, help_desk, 2, prefix="v")
    recompute_awards(None)
    Award.objects.filter(user=veteran).update(
        earned_at=timezone.now() - timedelta(days=100)
    )
    newcomer = make_user("newcomer")
    _help(newcomer, help_desk, 1, prefix="n")
    recompute_awards([newcomer.pk])

    recent = client.get(
        reverse("recognition:directory") + "?period=30d"
    ).content.decode()
    all_time = client.get(
        reverse("recognition:directory") + "?period=all"
    ).content.decode()

    assert recent.index('data-member="newcomer"') < recent.index(
        'data-member="veteran"'
    )
    assert all_time.index('data-member="veteran"') < all_time.index(
        'data-member="newcomer"'
    )


# --- Query counts ------------------------------------------------------------------------


def _count(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize("page", ["profile", "directory"])
def test_profile_and_directory_query_counts_are_pinned(
    client, help_desk, signed_in, page
):
    helper = make_user("helper")
    viewer = make_user("viewer")
    group = _expert_group("Lever owners", [helper])
    if signed_in:
        client.force_login(viewer)
    url = (
        reverse("accounts:profile", args=["helper"])
        if page == "profile"
        else reverse("recognition:directory") + f"?period=year&group={group.slug}"
    )

    _help(helper, help_desk, 2, prefix="small")
    recompute_awards(None)
    small = _count(client, url)
    _help(helper, help_desk, 25, prefix="large")
    for i in range(10):
        member = make_user(f"member{i}")
        group.members.add(member)
        _help(member, help_desk, 1, prefix=f"m{i}")
    recompute_awards(None)
    large = _count(client, url)

    assert small == large
