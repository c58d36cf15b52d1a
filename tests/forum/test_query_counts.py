"""Every page costs the same number of SQL queries whatever the data size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from forum import actions
from forum.models import Post, Topic
from tests.factories import make_category, make_tag, make_topic, make_user

pytestmark = pytest.mark.django_db


def _count(client, url: str) -> int:
    client.get(url)  # warm per-process caches (content types, sessions)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _forum(n_topics: int, replies_each: int = 1):
    tag = make_tag("grinders")
    category = make_category("Machines", slug="machines")
    child = make_category("Grinders", slug="grinders", parent=category)
    people = [make_user() for _ in range(5)]
    for i in range(n_topics):
        topic = make_topic(
            child if i % 2 else category,
            people[i % 5],
            title=f"Topic number {i} about burrs",
            body=f"Burrs and grinders, post {i}",
            tags=["grinders"],
        )
        for j in range(replies_each):
            actions.reply_to_topic(
                people[(i + j + 1) % 5], topic, body=f"burr reply {j}"
            )
    return category, tag, people


def _big_topic(n_posts: int) -> Topic:
    author = make_user()
    topic = make_topic(make_category(), author, title="A very long thread")
    now = timezone.now()
    people = [make_user() for _ in range(4)]
    Post.objects.bulk_create(
        Post(
            topic=topic,
            number=n,
            author=people[n % 4],
            author_name=people[n % 4].username,
            body_source=f"post {n}",
            body_html=f"<p>post {n}</p>",
            body_text=f"post {n}",
            created_at=now,
        )
        for n in range(2, n_posts + 1)
    )
    Topic.objects.filter(pk=topic.pk).update(
        last_post_number=n_posts, reply_count=n_posts - 1
    )
    topic.refresh_from_db()
    return topic


def _page_urls(category, tag):
    return [
        reverse("forum:home"),
        reverse("forum:latest"),
        reverse("forum:category", args=[category.slug]),
        reverse("forum:tag", args=[tag.slug]),
        reverse("forum:search") + "?q=burrs",
    ]


@pytest.mark.parametrize("signed_in", [False, True])
def test_list_pages_query_count_is_constant(client, signed_in, django_db_blocker):
    category, tag, people = _forum(10)
    if signed_in:
        client.force_login(people[0])
    small = {url: _count(client, url) for url in _page_urls(category, tag)}

    for i in range(190):
        make_topic(
            category,
            people[i % 5],
            title=f"More topics {i} about burrs",
            tags=["grinders"],
        )
    large = {url: _count(client, url) for url in _page_urls(category, tag)}

    assert large == small


@pytest.mark.parametrize("signed_in", [False, True])
def test_topic_page_query_count_is_constant(client, signed_in, settings):
    reader = make_user("reader")
    if signed_in:
        client.force_login(reader)
        # The render itself: pages served from the per-class cache are
        # pinned in tests/forum/test_class_cache.py.
        settings.ANON_CACHE_SECONDS = 0
    small = _big_topic(10)
    big = _big_topic(5000)

    counts = {
        "small first": _count(client, small.get_absolute_url()),
        "big first": _count(client, big.get_absolute_url()),
        "big last": _count(client, big.get_absolute_url() + "?page=250"),
    }

    assert len(set(counts.values())) == 1, counts


def test_topic_last_page_shows_the_last_posts(client):
    big = _big_topic(5000)

    response = client.get(big.get_absolute_url() + "?page=250")

    assert b'id="post-5000"' in response.content
    assert b'id="post-4981"' in response.content
    assert b'id="post-4980"' not in response.content
