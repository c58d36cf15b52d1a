"""Every ideas endpoint, posted to by a brand representative who is not the
idea's decision owner and then by one who is: the member's idea and the
replies stay visible to everyone, word for word, and only the owner's
decision (a new public record) and the representative's own vote change."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from forum.models import CategoryKind, Topic
from ideas.models import DecisionOwner, IdeaDecision, IdeaVote
from tests.factories import (
    PASSWORD,
    make_brand_rep,
    make_category,
    make_post,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

WORDS = [
    "The grinder should remember its last setting",
    "Agreed, and show it on the dial",
]


def _ideas_urls(topic: Topic, slug: str) -> list[str]:
    resolver = get_resolver()
    (ideas_resolver,) = [
        p
        for p in resolver.url_patterns
        if isinstance(p, URLResolver)
        and getattr(p.urlconf_name, "__name__", "") == "ideas.urls"
    ]
    urls = []
    for pattern in ideas_resolver.url_patterns:
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern)
        urls.append(
            "/"
            + route.replace("<int:topic_id>", str(topic.pk)).replace(
                "<slug:slug>", slug
            )
        )
    return urls


def _visible(topic: Topic) -> None:
    for client in (Client(), _login(topic.author)):
        html = client.get(topic.get_absolute_url()).content.decode()
        for words in WORDS:
            assert words in html


def _login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.parametrize("owner", [False, True], ids=["non-owner", "owner"])
def test_representative_posts_to_every_ideas_url(owner, settings):
    settings.ANON_CACHE_SECONDS = 0
    ideas = make_category("Ideas", slug="ideas", kind=CategoryKind.IDEAS)
    member = make_user("member")
    idea = make_topic(ideas, member, title="Remember the grind", body=WORDS[0] + ".")
    make_post(idea, make_user("second"), body=WORDS[1] + ".")
    rep = make_brand_rep("marco")
    if owner:
        DecisionOwner.objects.create(brand=rep.brand, user=rep)
    client = _login(rep)
    payload = {"status": "not_planned", "rationale": "Not this year.", "body": "x"}
    urls = _ideas_urls(idea, "ideas")
    assert len(urls) == 8

    statuses = {}
    for url in urls:
        statuses[url] = client.post(url, payload).status_code
        _visible(idea)
        idea.refresh_from_db()
        assert (idea.is_hidden, idea.is_locked, idea.is_closed, idea.deleted_at) == (
            False,
            False,
            False,
            None,
        )

    decide = f"/ideas/t/{idea.pk}/decide/"
    assert statuses[decide] == (302 if owner else 403)
    assert IdeaDecision.objects.count() == (1 if owner else 0)
    assert all(s < 500 for s in statuses.values())
    # Only the representative's own vote: voted, then withdrawn.
    assert not IdeaVote.objects.exists()
