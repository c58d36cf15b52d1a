"""The composer's @ autocomplete (issue 22): who is offered, who never is,
and the rate limit, over HTTP."""

import pytest
from django.test import Client

from accounts.models import CommunityGroup, MentionPolicy
from tests.factories import PASSWORD, make_group, make_user

pytestmark = pytest.mark.django_db

URL = "/mentions/"


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _offered(client, prefix) -> list[str]:
    response = client.get(URL, {"q": prefix})
    assert response.status_code == 200
    return [item["insert"] for item in response.json()["results"]]


@pytest.fixture
def author():
    return make_user("author")


def test_members_are_offered_by_username_or_name(author):
    make_user("kwame", display_name="Kwame Asante")
    make_user("kwabena")
    make_user("mika", display_name="Kwik Mika")

    offered = _offered(_client(author), "kw")

    assert offered == ["kwabena", "kwame", "mika"]


def test_nobody_the_author_could_not_find_is_offered(author):
    make_user("closedaccount", is_active=False)
    make_user("closer")
    client = _client(author)

    offered = _offered(client, "clos")

    assert offered == ["closer"]
    # Everyone offered has a profile the author can open.
    for username in _offered(client, "c") + _offered(client, "a"):
        assert client.get(f"/u/{username}/").status_code == 200
    # The author is not offered to themself.
    assert "author" not in _offered(client, "auth")


def _group(slug, **fields):
    group = make_group(slug.title())
    CommunityGroup.objects.filter(pk=group.pk).update(slug=slug, **fields)
    group.refresh_from_db()
    return group


def test_groups_are_offered_only_when_the_author_may_mention_them(author):
    _group("baristas", mentionable=True, mention_policy=MentionPolicy.ANYONE)
    members_only = _group(
        "betatesters", mentionable=True, mention_policy=MentionPolicy.MEMBERS
    )
    _group("backroom", mentionable=False, is_listed=False)
    client = _client(author)

    assert _offered(client, "b") == ["baristas"]

    members_only.groupmembership_set.create(user=author)
    assert _offered(client, "b") == ["baristas", "betatesters"]


def test_signing_in_is_needed():
    make_user("kwame")

    assert Client().get(URL, {"q": "kw"}).status_code == 403


def test_lookups_are_rate_limited(settings, author):
    settings.MENTION_LOOKUPS_PER_MINUTE = 3
    make_user("kwame")
    client = _client(author)
    for _ in range(3):
        assert client.get(URL, {"q": "kw"}).status_code == 200

    refused = client.get(URL, {"q": "kw"})

    assert refused.status_code == 429
    assert "Too many lookups" in refused.json()["error"]


def test_odd_input_offers_nothing(author):
    make_user("kwame")
    client = _client(author)

    assert _offered(client, "") == []
    assert _offered(client, "kw%") == []
    assert _offered(client, "k" * 41) == []
