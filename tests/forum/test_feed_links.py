"""Pages link to their Atom feed only where the feed answers: feed readers have
no session, so the link follows what an anonymous visitor may read."""

import re

import pytest
from django.test import Client

from forum.models import Topic
from tests.factories import make_category, make_group, make_topic, make_user

pytestmark = pytest.mark.django_db

FEED_HREF = re.compile(r'href="(/feeds/[^"]+)"')


def feed_links(html: str) -> set[str]:
    return set(FEED_HREF.findall(html))


def assert_links_answer(links: set[str]) -> None:
    for link in links:
        assert Client().get(link).status_code == 200, link


@pytest.fixture
def insider(db):
    return make_user("insider")


@pytest.fixture
def beta(insider):
    return make_category(
        "Beta lab", slug="beta", restricted_to=make_group(members=[insider])
    )


def test_public_category_and_topic_link_their_feeds(client, topic):
    for page in (topic.category.get_absolute_url(), topic.get_absolute_url()):
        html = client.get(page).content.decode()
        links = feed_links(html)
        assert links
        assert 'rel="alternate" type="application/atom+xml"' in html
        assert "Atom feed" in html
        assert_links_answer(links)


def test_restricted_category_shows_no_feed_link(client, beta, insider):
    client.force_login(insider)
    topic = make_topic(beta, insider, title="Firmware 2.1 beta notes")

    for page in (beta.get_absolute_url(), topic.get_absolute_url()):
        response = client.get(page)
        assert response.status_code == 200
        html = response.content.decode()
        assert feed_links(html) == set()
        assert "Atom feed" not in html
        assert "application/atom+xml" not in html
    # The feeds they no longer link to are indeed closed to feed readers.
    assert Client().get(f"/feeds/c/{beta.slug}/").status_code == 404
    assert Client().get(f"/feeds/t/{topic.pk}/").status_code == 404


def test_subcategory_of_a_restricted_category_shows_no_feed_link(client, beta, insider):
    child = make_category("Beta firmware", slug="beta-firmware", parent=beta)
    client.force_login(insider)

    html = client.get(child.get_absolute_url()).content.decode()

    assert "Atom feed" not in html
    assert feed_links(html) == set()


def test_hidden_topic_shown_to_its_author_shows_no_feed_link(client, topic, member):
    Topic.objects.filter(pk=topic.pk).update(is_hidden=True)
    client.force_login(member)

    response = client.get(topic.get_absolute_url())

    assert response.status_code == 200
    assert "Atom feed" not in response.content.decode()
    assert Client().get(f"/feeds/t/{topic.pk}/").status_code == 404


def test_signed_in_member_sees_the_feed_link_on_public_pages(client, topic, member):
    client.force_login(member)

    html = client.get(topic.get_absolute_url()).content.decode()

    assert "Atom feed" in html
    assert_links_answer(feed_links(html))
