"""The permission matrix extended to the read API (issue 24): for a visitor
and for the tokens of a member, a group member, a brand representative, a
category moderator, a moderator of a private category and an admin, the API
answers exactly what the pages answer the same person over HTTP: the same
topics in the latest list, the same categories, the same topics opened or
refused, and the same posts (hidden ones as tombstones) on a topic."""

import re

import pytest
from django.test import Client

from tests.api.conftest import bearer, make_world
from tests.factories import make_admin

pytestmark = pytest.mark.django_db

READERS = [
    "anonymous",
    "member",
    "insider",
    "rep",
    "moderator",
    "staff_moderator",
    "admin",
]
TOPIC_LINK = re.compile(r'href="/t/[\w-]+/(\d+)/"')


@pytest.fixture
def world(db):
    return make_world()


def _reader(world, name):
    if name == "anonymous":
        return None
    if name == "admin":
        return make_admin("root")
    return world[name]


def _page_client(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("name", READERS)
def test_the_api_answers_what_the_pages_answer(world, name):
    user = _reader(world, name)
    page = _page_client(user)
    api = bearer(Client(), user)
    topics = [
        world["visible"],
        world["hidden_topic"],
        world["lab_topic"],
        world["staff_topic"],
    ]

    # The latest list: the same topics as the /latest/ page.
    listed = {t["id"] for t in api("/api/v1/topics/latest").json()["items"]}
    on_page = {
        int(pk) for pk in TOPIC_LINK.findall(page.get("/latest/").content.decode())
    }
    assert listed == on_page, name

    # Each topic: opened or refused (404) as its page is.
    for topic in topics:
        api_status = api(f"/api/v1/topics/{topic.pk}/posts").status_code
        page_status = page.get(topic.get_absolute_url()).status_code
        assert api_status == page_status, (name, topic.title)

    # Each category's topic list: opened or refused as its page is.
    for slug in ("espresso", "beta-lab", "staff"):
        api_status = api(f"/api/v1/categories/{slug}/topics").status_code
        page_status = page.get(f"/c/{slug}/").status_code
        assert api_status == page_status, (name, slug)

    # A topic with a hidden reply: the same posts, the hidden one readable
    # on click on the page and with its words (state "hidden") in the API.
    posts = api(f"/api/v1/topics/{world['visible'].pk}/posts").json()["items"]
    html = page.get(world["visible"].get_absolute_url()).content.decode()
    assert [p["number"] for p in posts] == [1, 2, 3]
    assert posts[1]["state"] == "hidden"
    assert ("Show the hidden post" in html) == (posts[1]["body_html"] is not None)


EXPECTED_TOPICS = {
    "anonymous": {"visible"},
    "member": {"visible"},
    "insider": {"visible", "lab_topic"},
    "rep": {"visible"},
    "moderator": {"visible", "hidden_topic"},
    "staff_moderator": {"visible", "staff_topic"},
    "admin": {"visible", "hidden_topic", "lab_topic", "staff_topic"},
}


@pytest.mark.parametrize("name", READERS)
def test_each_reader_lists_exactly_the_topics_the_policy_allows(world, name):
    """The matrix written out, so a change to the policy is a visible diff."""
    api = bearer(Client(), _reader(world, name))

    listed = {t["id"] for t in api("/api/v1/topics/latest").json()["items"]}

    assert listed == {world[key].pk for key in EXPECTED_TOPICS[name]}, name
