"""The three pages over HTTP: who may open them, what they show, and their
query counts pinned at two data sizes."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from forum import actions
from forum.models import CategoryKind
from insights import queries
from tests.factories import (
    PASSWORD,
    make_admin,
    make_brand,
    make_brand_rep,
    make_category,
    make_moderator,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

REPORT = reverse("insights:report")
COMMUNITY = reverse("insights:community_give_get")


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


# --- Who may open what ----------------------------------------------------------------------


def test_report_for_each_role(client, world):
    other = make_brand("Othercorp")
    expectations = [
        (None, 302),  # anonymous: sign in first
        (world["alice"], 403),
        (world["mira"], 403),  # a moderator
        (world["marco"], 200),
        (make_admin("root"), 200),
    ]
    for user, status in expectations:
        client.logout()
        if user is not None:
            _login(client, user)
        assert client.get(REPORT).status_code == status, user
    # A representative never sees another brand's report, nor learns it exists.
    _login(client, world["marco"])
    assert client.get(REPORT, {"brand": other.slug}).status_code == 404
    assert client.get(REPORT, {"brand": "no-such-brand"}).status_code == 404
    # A suspended representative is refused.
    suspended = make_brand_rep("suspended_rep", is_active=True)
    suspended.suspended_until = suspended.date_joined.replace(year=2999)
    suspended.save()
    client.force_login(suspended)
    assert client.get(REPORT).status_code in (302, 403)


def test_admin_chooses_a_brand(client, world):
    make_brand("Othercorp")
    _login(client, make_admin("root"))

    first = client.get(REPORT)
    chosen = client.get(REPORT, {"brand": "othercorp"})
    missing = client.get(REPORT, {"brand": "nope"})

    assert b"Listening report: Brevetto" in first.content
    assert b"Listening report: Othercorp" in chosen.content
    assert missing.status_code == 404


def test_report_shows_what_the_rep_may_read(client, world):
    _login(client, world["marco"])
    page = client.get(REPORT).content.decode()

    assert "Grinder burrs squeak loudly" in page
    assert "Beta firmware pressure curve" not in page  # restricted
    assert "Buy a new machine" not in page  # hidden post's words are not here
    assert ">carol</a>: helped on 1 question" in page
    # The only form that posts is the header's sign-out.
    assert page.lower().count('method="post"') == 1


def test_give_get_page_is_private(client, world):
    url = reverse("insights:give_get", args=["alice"])
    for user, status in [
        (None, 404),
        (world["bob"], 404),
        (world["mira"], 404),
        (world["marco"], 404),
        (make_admin("root"), 404),
        (world["alice"], 200),
    ]:
        client.logout()
        if user is not None:
            _login(client, user)
        assert client.get(url).status_code == status, user
    page = client.get(url).content.decode()
    assert (
        '<tr data-figure="was-helped"><th scope="row">You were helped</th><td class="align-right">3</td><td class="align-right">4</td></tr>'
        in page
    )
    assert "Grinder burrs misaligned after cleaning" in page
    assert client.get(reverse("insights:give_get", args=["nobody"])).status_code == 404


def test_community_page_is_public_and_leaves_restricted_out(client, world):
    for name in ("alice", "mira", "marco"):
        _login(client, world[name])
        assert client.get(COMMUNITY).status_code == 200, name
    client.logout()
    response = client.get(COMMUNITY)

    assert response.status_code == 200
    page = response.content.decode()
    # T1 bob, T1 carol, T2 alice, T3 dave, T5 carol (old): see conftest.py.
    row = re.search(r'<tr data-figure="help">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td class="align-right">(\d+)</td>', row) == ["4", "5"]
    assert "Beta firmware" not in page
    # Refuses anything but GET.
    assert client.post(COMMUNITY).status_code == 405


# --- Query counts ------------------------------------------------------------------------


def _count(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _grow(n: int) -> None:
    """n questions, each with two helpers, an idea with a like, a discussion."""
    questions = make_category(kind=CategoryKind.QUESTIONS)
    ideas = make_category(kind=CategoryKind.IDEAS)
    people = [make_user() for _ in range(4)]
    for i in range(n):
        topic = make_topic(questions, people[i % 4], title=f"Grinder question {i}")
        actions.reply_to_topic(people[(i + 1) % 4], topic, body="Try this.")
        actions.reply_to_topic(people[(i + 2) % 4], topic, body="Or that.")
        idea = make_topic(ideas, people[i % 4], title=f"Idea number {i}")
        actions.like_post(people[(i + 1) % 4], idea.first_post)


@pytest.mark.parametrize(
    "who, url",
    [
        ("rep", REPORT),
        ("admin", REPORT),
        ("member", "give_get"),
        ("anonymous", COMMUNITY),
    ],
)
def test_query_counts_are_constant(client, who, url):
    rep = make_brand_rep("rep")
    admin = make_admin("root")
    member = make_user("member", role=Role.MEMBER)
    moderator_here = make_moderator(make_category(), "mod")
    del moderator_here
    user = {"rep": rep, "admin": admin, "member": member}.get(who)
    if user is not None:
        _login(client, user)
    if url == "give_get":
        url = reverse("insights:give_get", args=["member"])

    _grow(3)
    topic = make_topic(make_category(kind=CategoryKind.QUESTIONS), member)
    actions.reply_to_topic(make_user(), topic, body="Helping the member.")
    small = _count(client, url)
    _grow(30)
    large = _count(client, url)

    assert small == large


def test_community_figures_cost_the_same_queries_at_two_sizes(db):
    """The page caches the figures for five minutes; computing them is pinned here."""

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            queries.community_give_get()
        return len(ctx.captured_queries)

    _grow(3)
    small = count()
    _grow(30)

    assert count() == small == 6
