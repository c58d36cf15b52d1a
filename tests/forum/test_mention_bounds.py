"""Mentions are bounded at every trust level (MAX_MENTIONS_PER_POST), the
bound is checked before any name is looked up, and the unknown-mention error
names at most ten people. Every refusal re-renders the form with the text."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from accounts.roles import TrustLevel
from forum.models import Post
from tests.factories import (
    make_admin,
    make_brand_rep,
    make_moderator,
    make_user,
)

pytestmark = pytest.mark.django_db


def _mentions(names) -> str:
    return "Paging " + " ".join(f"@{name}" for name in names) + " — thoughts?"


@pytest.fixture
def people(settings):
    settings.MAX_MENTIONS_PER_POST = 5
    return [make_user(f"person{i}") for i in range(7)]


def _kept(response, body: str) -> bool:
    return html.escape(body, quote=False).encode() in response.content


@pytest.mark.parametrize("level", [TrustLevel.MEMBER, TrustLevel.LEADER])
def test_members_of_every_level_are_capped(client, topic, people, level):
    author = make_user("writer", trust_level=level)
    client.force_login(author)
    body = _mentions(p.username for p in people[:6])

    response = client.post(reverse("forum:reply", args=[topic.pk]), {"body": body})

    assert response.status_code == 400
    assert b"A post can mention at most 5 people (this one mentions 6)." in (
        response.content
    )
    assert _kept(response, body)
    assert not Post.objects.filter(author=author).exists()

    ok = _mentions(p.username for p in people[:5])
    assert (
        client.post(reverse("forum:reply", args=[topic.pk]), {"body": ok}).status_code
        == 302
    )


def test_staff_and_brand_reps_are_capped_too(client, category, topic, people):
    body = _mentions(p.username for p in people)
    for actor in (
        make_admin("ines"),
        make_moderator(category, "mira"),
        make_brand_rep(),
    ):
        client.force_login(actor)
        response = client.post(reverse("forum:reply", args=[topic.pk]), {"body": body})
        assert response.status_code == 400, actor
        assert b"this one mentions 7" in response.content
        assert _kept(response, body)


def test_new_topic_and_edit_are_capped(client, category, member, people):
    client.force_login(member)
    body = _mentions(p.username for p in people)
    data = {"title": "Who has the best grinder?", "body": body}

    response = client.post(reverse("forum:topic_start", args=[category.slug]), data)

    assert response.status_code == 400
    assert b"this one mentions 7" in response.content
    assert _kept(response, body)

    data["body"] = "Who has the best grinder, and why?"
    client.post(reverse("forum:topic_start", args=[category.slug]), data)
    post = Post.objects.get(author=member)
    response = client.post(
        reverse("forum:post_edit", args=[post.pk]),
        {"body": body, "title": data["title"]},
    )
    assert response.status_code == 400
    assert b"this one mentions 7" in response.content
    assert _kept(response, body)


def test_a_wall_of_mentions_costs_no_lookup(client, topic, settings):
    """A 30,000-character post of mentions is refused from the parse alone:
    no query looks any name up, whatever the number of names."""
    settings.MAX_MENTIONS_PER_POST = 20
    author = make_user("writer", trust_level=TrustLevel.LEADER)
    client.force_login(author)
    body = " ".join(f"@n{i:05d}" for i in range(4285))[:29_990]

    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("forum:reply", args=[topic.pk]), {"body": body})

    assert response.status_code == 400
    assert re.search(
        rb"A post can mention at most 20 people \(this one mentions \d{4}\)\.",
        response.content,
    )
    assert _kept(response, body)
    user_table = User._meta.db_table
    lookups = [q["sql"] for q in queries if "n00001" in q["sql"]]
    assert lookups == []
    assert len(queries) < 40, [q["sql"] for q in queries if user_table in q["sql"]]


def test_unknown_mentions_error_names_at_most_ten(client, topic, member, settings):
    settings.MAX_MENTIONS_PER_POST = 100
    client.force_login(member)
    ghosts = [f"ghost{i:02d}" for i in range(14)]
    body = _mentions(ghosts)

    response = client.post(reverse("forum:reply", args=[topic.pk]), {"body": body})

    assert response.status_code == 400
    text = response.content.decode()
    listed = ", ".join(f"@{g}" for g in ghosts[:10])
    assert f"Nobody here is called {listed} … and 4 more." in text
    error = text.split("Nobody here is called")[1].split("</p>")[0]
    assert "ghost10" not in error and "ghost13" not in error
    assert _kept(response, body)


def test_up_to_ten_unknown_mentions_are_all_named(client, topic, member, settings):
    settings.MAX_MENTIONS_PER_POST = 100
    client.force_login(member)
    body = _mentions(["ghost1", "ghost2"])

    response = client.post(reverse("forum:reply", args=[topic.pk]), {"body": body})

    assert b"Nobody here is called @ghost1, @ghost2." in response.content
    assert b"more" not in response.content.split(b"Nobody here")[1][:80]


def test_default_cap_is_documented_in_the_readme(settings):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "| `MAX_MENTIONS_PER_POST` | `20` |" in readme
