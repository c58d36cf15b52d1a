"""The anonymous page cache: pages are served from the cache, every change is
visible to the next anonymous request, and nothing personal is ever cached."""

import pytest
from django.test import Client

from forum import actions
from forum.cache import generation
from moderation.actions.posts import hide_post
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (the invalidation) as the commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _get(url: str):
    response = Client().get(url)
    assert response.status_code == 200
    return response


def test_second_anonymous_request_is_a_cache_hit(topic):
    url = topic.get_absolute_url()

    first = _get(url)
    second = _get(url)

    assert first["X-Hearth-Cache"] == "miss"
    assert second["X-Hearth-Cache"] == "hit"
    assert second.content == first.content


def test_anonymous_cached_page_holds_no_csrf_token(topic):
    response = _get(topic.get_absolute_url())

    assert b"csrfmiddlewaretoken" not in response.content
    assert b"X-CSRFToken" not in response.content
    assert "csrftoken" not in response.cookies


def test_reply_is_visible_to_the_next_anonymous_request(topic, other_member, committed):
    url = topic.get_absolute_url()
    _get(url)
    _get("/latest/")

    with committed():
        actions.reply_to_topic(other_member, topic, body="Fresh reply about vinegar")

    assert b"Fresh reply about vinegar" in _get(url).content
    assert _get("/latest/")["X-Hearth-Cache"] == "miss"


def test_edit_is_visible_to_the_next_anonymous_request(post, other_member, committed):
    url = post.topic.get_absolute_url()
    _get(url)

    with committed():
        actions.edit_post(other_member, post, body="Edited: use descaler")

    assert b"Edited: use descaler" in _get(url).content


def test_hidden_post_shows_its_tombstone_to_the_next_anonymous_request(
    post, moderator, committed
):
    url = post.topic.get_absolute_url()
    assert b"Off-topic and rambling" not in _get(url).content

    with committed():
        hide_post(moderator, post, rule=None, reason="Off-topic and rambling")

    response = _get(url)
    assert response["X-Hearth-Cache"] == "miss"
    assert b"Off-topic and rambling" in response.content


def test_change_without_an_event_invalidates_too(post, member, committed):
    with committed():
        actions.like_post(member, post)
    before = generation()

    with committed():
        actions.unlike_post(member, post)  # emits no event; the Like signal bumps

    assert generation() > before


def test_signed_in_pages_are_cached_per_class_apart_from_visitors(topic, member):
    client = Client()
    assert client.login(username=member.username, password=PASSWORD)
    url = topic.get_absolute_url()

    first = client.get(url)
    second = client.get(url)

    assert first["X-Hearth-Cache"] == "miss"
    assert second["X-Hearth-Cache"] == "hit"
    # The CSRF token is a hole: filled for this request, never the stored one.
    assert b"X-CSRFToken" in second.content
    assert b"@@" not in second.content
    # ... and what they saw is not served to anonymous visitors.
    anonymous = _get(url)
    assert anonymous["X-Hearth-Cache"] == "miss"
    assert b"X-CSRFToken" not in anonymous.content


def test_cache_can_be_turned_off(topic, settings):
    settings.ANON_CACHE_SECONDS = 0

    _get(topic.get_absolute_url())

    assert "X-Hearth-Cache" not in _get(topic.get_absolute_url())


def test_profile_is_cached_and_a_profile_edit_shows_at_once(member, committed):
    from accounts import actions as account_actions

    url = member.get_absolute_url()
    assert _get(url)["X-Hearth-Cache"] == "miss"
    assert _get(url)["X-Hearth-Cache"] == "hit"

    with committed():
        account_actions.update_profile(
            member, member, display_name="Alice Espresso", bio="Lever machines."
        )

    response = _get(url)
    assert response["X-Hearth-Cache"] == "miss"
    assert b"Lever machines." in response.content


def test_new_group_flair_reaches_cached_topic_pages(post, other_member, committed):
    from accounts.models import CommunityGroup, GroupMembership

    url = post.topic.get_absolute_url()
    assert b"Home roaster" not in _get(url).content

    with committed():
        group = CommunityGroup.objects.create(
            name="Roasters", slug="roasters", flair="Home roaster"
        )
        GroupMembership.objects.create(group=group, user=other_member)

    response = _get(url)
    assert response["X-Hearth-Cache"] == "miss"
    assert b"Home roaster" in response.content
