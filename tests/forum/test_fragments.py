"""The cached part of each post on a topic page (forum/fragments.py): served
from the cache to signed-in readers, stale never, and nothing personal in it."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import actions as account_actions
from forum import actions, fragments
from forum.models import Post
from moderation.actions.posts import hide_post
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(client: Client, post: Post) -> str:
    response = client.get(post.topic.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _posts(topic):
    posts = list(topic.posts.select_related("author", "author_brand", "reply_to"))
    for post in posts:
        post.topic = topic
    return posts


def test_a_second_page_view_renders_no_post_fragment(post):
    topic = post.topic
    first = _posts(topic)
    fragments.attach_post_content(topic, first)

    second = _posts(topic)
    with CaptureQueriesContext(connection) as queries:
        fragments.attach_post_content(topic, second)

    # A hit needs neither rendering nor the flair query.
    assert len(queries.captured_queries) == 0
    assert [p.content_html for p in second] == [p.content_html for p in first]
    assert "Use citric acid." in second[-1].content_html


def test_an_edit_is_visible_to_the_next_signed_in_reader(
    post, member, other_member, committed
):
    reader = _signed_in(member)
    assert "Use citric acid." in _page(reader, post)

    with committed():
        actions.edit_post(other_member, post, body="Edited: use descaler instead")

    page = _page(reader, post)
    assert "Edited: use descaler instead" in page
    assert "Use citric acid." not in page


def test_a_hidden_post_shows_its_reason_to_the_next_reader(
    post, member, moderator, committed
):
    reader = _signed_in(member)
    _page(reader, post)

    with committed():
        hide_post(moderator, post, rule=None, reason="Off-topic and rambling")

    assert "Hidden by moderators: Off-topic and rambling" in _page(reader, post)


def test_accepting_an_answer_labels_it_for_the_next_reader(questions, committed):
    asker = factories.make_user("asker")
    helper = factories.make_user("helper")
    question = factories.make_topic(questions, asker, title="Grinder clumps?")
    answer = factories.make_post(question, helper, body="Use RDT.")
    reader = _signed_in(factories.make_user("reader"))
    assert "Accepted answer</span>" not in _page(reader, answer)

    with committed():
        actions.accept_answer(asker, answer)

    assert "Accepted answer</span>" in _page(reader, answer)


def test_a_new_trust_level_reaches_the_byline_of_old_posts(
    post, member, other_member, admin_user, committed
):
    reader = _signed_in(member)
    assert "Trust: Leader" not in _page(reader, post)

    with committed():
        account_actions.set_trust_level(
            admin_user, other_member, 4, reason="Runs the grinder guide"
        )

    assert "Trust: Leader" in _page(reader, post)


def test_fragments_hold_nothing_of_the_viewer(post, member, other_member):
    # The author renders the fragment first; the reader gets it from the cache.
    _page(_signed_in(other_member), post)
    topic = post.topic
    posts = _posts(topic)
    fragments.attach_post_content(topic, posts)

    for p in posts:
        assert "csrfmiddlewaretoken" not in p.content_html
        assert "Edit" not in p.content_html.replace("edited", "")
        assert other_member.email not in p.content_html
    # Controls are rendered per viewer around the fragment: the reader may not
    # edit bob's post, the author may.
    assert f"/p/{post.pk}/edit/" not in _page(_signed_in(member), post)
    assert f"/p/{post.pk}/edit/" in _page(_signed_in(other_member), post)


def test_without_a_cache_every_fragment_is_rendered(post, settings):
    settings.ANON_CACHE_SECONDS = 0
    topic = post.topic
    posts = _posts(topic)
    fragments.attach_post_content(topic, posts)
    assert "Use citric acid." in posts[-1].content_html
