"""Bookmarks: private, per member, on any post they can see (the first post
stands for the topic), with an optional note; listed at /bookmarks/."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import GroupMembership, User
from forum import actions, queries
from forum.models import Bookmark, Post, Topic
from forum.views import BOOKMARKS_PER_PAGE
from notifications.models import Event
from tests.factories import (
    make_brand_rep,
    make_category,
    make_group,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

LONG_NOTE = "Grind finer, then dose a little less. " * 6  # 227 characters, stripped


def _bookmark_url(post: Post) -> str:
    return reverse("forum:post_bookmark", args=[post.pk])


@pytest.fixture
def secret_post():
    """A post in a category only a group's members can see."""
    insider = make_user("insider")
    beta = make_category(
        "Beta lab", slug="beta", restricted_to=make_group("Beta", [insider])
    )
    topic = make_topic(beta, insider, title="Unreleased grinder firmware")
    return topic.first_post


# --- Actions ------------------------------------------------------------------------------


def test_bookmark_post_creates_one_private_bookmark_and_emits_nothing(member, post):
    events_before = Event.objects.count()

    bookmark = actions.bookmark_post(member, post, "  check   the  temperature ")

    assert (bookmark.user, bookmark.post, bookmark.note) == (
        member,
        post,
        "check the temperature",
    )
    assert Event.objects.count() == events_before  # nobody hears of it


def test_bookmark_post_twice_keeps_one_bookmark_and_its_date(member, post):
    first = actions.bookmark_post(member, post)
    Bookmark.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timedelta(days=3)
    )

    again = actions.bookmark_post(member, post)

    assert Bookmark.objects.filter(user=member).count() == 1
    assert again.pk == first.pk
    assert again.created_at < timezone.now() - timedelta(days=2)


def test_bookmark_post_again_replaces_the_note_only_when_one_is_given(member, post):
    actions.bookmark_post(member, post, "first thought")

    actions.bookmark_post(member, post)  # the toggle: no note field
    assert Bookmark.objects.get(user=member).note == "first thought"

    actions.bookmark_post(member, post, "second thought")
    assert Bookmark.objects.get(user=member).note == "second thought"

    actions.bookmark_post(member, post, "")
    assert Bookmark.objects.get(user=member).note == ""


def test_bookmark_post_with_a_note_too_long_says_so_and_saves_nothing(member, post):
    with pytest.raises(ValidationError) as caught:
        actions.bookmark_post(member, post, LONG_NOTE)

    assert caught.value.messages == [
        "Keep the note to 200 characters or fewer (it has 227)."
    ]
    assert not Bookmark.objects.exists()


def test_bookmark_the_first_post_stands_for_the_topic(member, topic):
    bookmark = actions.bookmark_post(member, topic.first_post)

    assert bookmark.post.number == 1


def test_bookmark_post_you_cannot_see_is_not_found(member, secret_post):
    with pytest.raises(Http404):
        actions.bookmark_post(member, secret_post)

    assert not Bookmark.objects.exists()


def test_bookmark_deleted_post_is_refused(member, post):
    actions.delete_post(post.author, post)

    with pytest.raises(PermissionDenied, match="deleted"):
        actions.bookmark_post(member, post)


def test_suspended_member_cannot_bookmark(member, post):
    User.objects.filter(pk=member.pk).update(
        suspended_until=timezone.now() + timedelta(days=1)
    )
    member.refresh_from_db()

    with pytest.raises(PermissionDenied, match="suspended"):
        actions.bookmark_post(member, post)


def test_silenced_member_and_brand_rep_can_bookmark(member, post):
    User.objects.filter(pk=member.pk).update(
        silenced_until=timezone.now() + timedelta(days=1)
    )
    member.refresh_from_db()
    rep = make_brand_rep("marco")

    actions.bookmark_post(member, post)
    actions.bookmark_post(rep, post, "customer asked twice")

    assert Bookmark.objects.filter(post=post).count() == 2


def test_remove_bookmark_removes_only_mine(member, other_member, post):
    actions.bookmark_post(member, post)
    actions.bookmark_post(other_member, post)

    assert actions.remove_bookmark(member, post) is True
    assert actions.remove_bookmark(member, post) is False  # idempotent

    assert list(Bookmark.objects.values_list("user__username", flat=True)) == ["bob"]


def test_remove_bookmark_of_a_post_you_can_no_longer_see_works(member, post):
    actions.bookmark_post(member, post)
    Topic.objects.filter(pk=post.topic_id).update(deleted_at=timezone.now())
    post.topic.refresh_from_db()

    assert actions.remove_bookmark(member, post) is True


def test_remove_bookmark_you_do_not_have_on_a_post_you_cannot_see_is_not_found(
    member, secret_post
):
    with pytest.raises(Http404):
        actions.remove_bookmark(member, secret_post)


# --- The footer toggle, over HTTP -------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, post):
    for response in (client.post(_bookmark_url(post)), client.get(_bookmark_url(post))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert client.get(reverse("forum:bookmarks")).status_code == 302
    assert not Bookmark.objects.exists()


def test_bookmark_a_post_you_cannot_see_is_404(client, member, secret_post):
    client.force_login(member)

    assert client.post(_bookmark_url(secret_post)).status_code == 404
    assert client.get(_bookmark_url(secret_post)).status_code == 404
    assert (
        client.post(_bookmark_url(secret_post), {"action": "remove"}).status_code == 404
    )
    assert not Bookmark.objects.exists()


def test_bookmark_without_javascript_redirects_to_the_post_with_a_message(
    client, member, post
):
    client.force_login(member)

    response = client.post(_bookmark_url(post), {"action": "add"}, follow=True)

    assert response.redirect_chain[0] == (post.topic.get_post_url(post.number), 302)
    assert b"Bookmarked." in response.content
    assert Bookmark.objects.filter(user=member, post=post).exists()
    html = response.content.decode()
    assert f'id="bookmark-button-{post.pk}"' in html
    assert 'aria-pressed="true">Remove bookmark' in html


def test_bookmark_over_htmx_answers_with_the_toggle_fragment(client, member, post):
    client.force_login(member)

    response = client.post(
        _bookmark_url(post), {"action": "add"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert f'id="bookmark-{post.pk}"' in html
    assert 'aria-pressed="true"' in html
    assert "Remove bookmark" in html
    assert "data-focus-after-swap" in html
    assert "Add note" in html

    response = client.post(
        _bookmark_url(post), {"action": "remove"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert 'aria-pressed="false"' in html
    assert ">Bookmark<" in html
    assert not Bookmark.objects.exists()


def test_double_submitted_bookmark_keeps_one_row_and_the_note(client, member, post):
    actions.bookmark_post(member, post, "keep me")
    client.force_login(member)

    client.post(_bookmark_url(post), {"action": "add"})
    client.post(_bookmark_url(post), {"action": "add"}, HTTP_HX_REQUEST="true")

    assert list(Bookmark.objects.values_list("note", flat=True)) == ["keep me"]


def test_redirect_goes_to_a_local_next_only(client, member, post):
    client.force_login(member)

    local = client.post(
        _bookmark_url(post), {"action": "add", "next": "/bookmarks/?page=2"}
    )
    foreign = client.post(
        _bookmark_url(post), {"action": "remove", "next": "https://evil.example/"}
    )

    assert local["Location"] == "/bookmarks/?page=2"
    assert foreign["Location"] == post.topic.get_post_url(post.number)


# --- The note page (JavaScript off) and the inline note form (htmx) -------------------------


def test_note_page_shows_the_post_excerpt_and_the_current_note(client, member, post):
    actions.bookmark_post(member, post, "try at 93 degrees")
    client.force_login(member)

    response = client.get(_bookmark_url(post))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Use citric acid." in html  # the excerpt
    assert 'value="try at 93 degrees"' in html
    assert "Remove bookmark" in html
    assert "hx-post" not in html.split('id="bookmark-form-')[1].split(">")[0]


def test_note_page_saves_the_note_and_goes_back_to_the_post(client, member, post):
    client.force_login(member)

    response = client.post(
        _bookmark_url(post), {"action": "add", "note": "descale monthly"}
    )

    assert response.status_code == 302
    assert response["Location"] == post.topic.get_post_url(post.number)
    assert Bookmark.objects.get(user=member, post=post).note == "descale monthly"


def test_note_too_long_re_renders_the_page_with_the_text_and_the_message(
    client, member, post
):
    client.force_login(member)

    response = client.post(_bookmark_url(post), {"action": "add", "note": LONG_NOTE})

    html = response.content.decode()
    assert response.status_code == 400
    assert "<html" in html
    assert "Keep the note to 200 characters or fewer (it has 227)." in html
    assert f'value="{LONG_NOTE}"' in html  # what the member typed, untrimmed
    assert 'aria-invalid="true"' in html
    assert not Bookmark.objects.exists()


def test_note_too_long_over_htmx_answers_400_with_the_form_and_the_text(
    client, member, post
):
    actions.bookmark_post(member, post, "old note")
    client.force_login(member)

    response = client.post(
        _bookmark_url(post),
        {"action": "add", "note": LONG_NOTE},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "<html" not in html
    assert "data-composer-form" in html
    assert f'value="{LONG_NOTE}"' in html
    assert "data-error-reason" in html
    assert Bookmark.objects.get(user=member).note == "old note"


def test_inline_note_form_over_htmx_and_its_cancel(client, member, post):
    actions.bookmark_post(member, post)
    client.force_login(member)

    form = client.get(_bookmark_url(post), HTTP_HX_REQUEST="true").content.decode()
    cancel = client.get(
        _bookmark_url(post) + "?show=toggle", HTTP_HX_REQUEST="true"
    ).content.decode()
    saved = client.post(
        _bookmark_url(post),
        {"action": "add", "note": "ask about the gasket"},
        HTTP_HX_REQUEST="true",
    ).content.decode()

    assert "<html" not in form
    assert f'id="bookmark-form-{post.pk}"' in form
    assert "hx-post" in form
    assert f'id="bookmark-{post.pk}"' in cancel
    assert "Add note" in cancel
    assert "ask about the gasket" in saved
    assert "Edit note" in saved


# --- The topic page ----------------------------------------------------------------------------


def test_topic_page_marks_what_i_bookmarked(client, member, topic, post):
    actions.bookmark_post(member, post, "the answer")
    client.force_login(member)

    html = client.get(topic.get_absolute_url()).content.decode()

    first = html.split('id="post-1"')[1].split("</article>")[0]
    second = html.split('id="post-2"')[1].split("</article>")[0]
    assert 'aria-pressed="false">Bookmark<' in first
    assert 'aria-pressed="true">Remove bookmark<' in second
    assert "the answer" in second


def test_topic_page_has_no_bookmark_button_for_visitors(client, topic, post):
    html = client.get(topic.get_absolute_url()).content.decode()

    assert "bookmark-button" not in html


def _bookmark_queries(client, url: str) -> list[str]:
    client.get(url)  # warm per-process caches
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries if "forum_bookmark" in q["sql"]]


@pytest.mark.parametrize(("signed_in", "expected"), [(True, 1), (False, 0)])
def test_topic_page_reads_bookmarks_in_one_query_signed_in_none_otherwise(
    client, member, signed_in, expected
):
    topic = make_topic(make_category(), make_user(), replies=6)
    for post in topic.posts.all()[:4]:
        actions.bookmark_post(member, post)
    if signed_in:
        client.force_login(member)

    assert len(_bookmark_queries(client, topic.get_absolute_url())) == expected


def test_topic_page_query_count_does_not_grow_with_bookmarks(client, member, settings):
    settings.ANON_CACHE_SECONDS = 0  # the render, not the per-class cache
    topic = make_topic(make_category(), make_user(), replies=8)
    client.force_login(member)
    url = topic.get_absolute_url()
    client.get(url)
    with CaptureQueriesContext(connection) as none:
        client.get(url)

    for post in topic.posts.all():
        actions.bookmark_post(member, post, f"note {post.number}")
    with CaptureQueriesContext(connection) as all_of_them:
        client.get(url)

    assert len(all_of_them.captured_queries) == len(none.captured_queries)


# --- /bookmarks/ ------------------------------------------------------------------------------


def test_bookmarks_page_lists_mine_newest_first_with_note_and_permalink(
    client, member, other_member, topic, post
):
    older = actions.bookmark_post(member, topic.first_post, "the question")
    Bookmark.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - timedelta(hours=2)
    )
    actions.bookmark_post(member, post, "the answer")
    actions.bookmark_post(other_member, topic.first_post, "not yours")
    client.force_login(member)

    response = client.get(reverse("forum:bookmarks"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("the answer") < html.index("the question")
    assert "not yours" not in html
    assert f'href="{topic.get_post_url(2)}"' in html
    assert "Use citric acid." in html  # excerpt
    assert "How do I descale?" in html
    assert html.count('name="action" value="remove"') == 2


def test_bookmarks_page_marks_posts_i_can_no_longer_see(client, member, post):
    actions.bookmark_post(member, post, "my own words stay mine")
    Topic.objects.filter(pk=post.topic_id).update(deleted_at=timezone.now())
    client.force_login(member)

    html = client.get(reverse("forum:bookmarks")).content.decode()

    assert "You can no longer see this post" in html
    assert "How do I descale?" not in html
    assert "Use citric acid." not in html
    assert "my own words stay mine" in html
    assert 'value="remove"' in html


def test_bookmarks_page_removes_and_comes_back(client, member, post):
    actions.bookmark_post(member, post)
    client.force_login(member)

    response = client.post(
        _bookmark_url(post), {"action": "remove", "next": "/bookmarks/"}, follow=True
    )

    assert response.redirect_chain == [("/bookmarks/", 302)]
    assert b"Bookmark removed." in response.content
    assert b"No bookmarks yet." in response.content


def test_bookmarks_page_is_linked_from_the_member_menu(client, member):
    client.force_login(member)

    html = client.get(reverse("forum:home")).content.decode()

    assert html.count(f'href="{reverse("forum:bookmarks")}"') == 1


def _list_queries(client, page: int = 1) -> int:
    url = reverse("forum:bookmarks") + f"?page={page}"
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_bookmarks_page_query_count_is_constant(client, member):
    category = make_category()
    hidden = make_topic(category, make_user(), title="Hidden later", replies=1)
    client.force_login(member)
    topics = [make_topic(category, make_user(), replies=1) for _ in range(3)]
    for topic in topics:
        actions.bookmark_post(member, topic.first_post, "a note")
    few = _list_queries(client)

    for _ in range(20):
        topic = make_topic(make_category(), make_user(), replies=2)
        for post in topic.posts.all():
            actions.bookmark_post(member, post, "another note")
    actions.bookmark_post(member, hidden.first_post)
    Topic.objects.filter(pk=hidden.pk).update(is_hidden=True)
    many = _list_queries(client)
    last_page = _list_queries(client, page=4)

    assert Bookmark.objects.filter(user=member).count() > 3 * BOOKMARKS_PER_PAGE
    assert few == many == last_page


def test_user_bookmarks_follow_what_the_policy_lets_me_see(secret_post):
    insider = secret_post.topic.author
    actions.bookmark_post(insider, secret_post)
    assert [b.post_visible for b in queries.user_bookmarks(insider)] == [True]

    GroupMembership.objects.filter(user=insider).delete()
    insider = User.objects.get(pk=insider.pk)  # group ids are cached per instance

    assert [b.post_visible for b in queries.user_bookmarks(insider)] == [False]
