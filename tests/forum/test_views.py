"""Forum pages end to end over HTTP."""

import feedparser
import pytest
from django.urls import reverse

from forum import actions
from forum.models import Post, Topic
from tests.factories import make_category, make_group, make_tag, make_topic, make_user

pytestmark = pytest.mark.django_db


# --- Reading ---------------------------------------------------------------------------


def test_anonymous_reads_home_category_and_topic(client, topic, post):
    assert client.get(reverse("forum:home")).status_code == 200
    response = client.get(topic.category.get_absolute_url())
    assert topic.title.encode() in response.content
    response = client.get(topic.get_absolute_url())
    assert response.status_code == 200
    assert b"Use citric acid." in response.content
    assert b'id="post-2"' in response.content


def test_topic_with_old_slug_redirects_permanently(client, topic):
    actions.edit_post(
        topic.author, topic.first_post, body="Body", title="Descaling a dual boiler"
    )
    topic.refresh_from_db()

    response = client.get(reverse("forum:topic", args=["how-do-i-descale", topic.pk]))

    assert response.status_code == 301
    assert response["Location"] == f"/t/descaling-a-dual-boiler/{topic.pk}/"


def test_post_permalink_lands_on_its_page(client, topic):
    for i in range(25):
        actions.reply_to_topic(topic.author, topic, body=f"reply {i}")
    topic.refresh_from_db()

    response = client.get(topic.get_post_url(23))

    assert response.status_code == 302
    assert response["Location"] == f"{topic.get_absolute_url()}?page=2#post-23"
    post = Post.objects.get(topic=topic, number=23)
    assert client.get(reverse("forum:post", args=[post.pk]))[
        "Location"
    ] == topic.get_post_url(23)


def test_topic_page_out_of_range_is_404(client, topic):
    assert client.get(topic.get_absolute_url() + "?page=9").status_code == 404
    assert client.get(topic.get_post_url(99)).status_code == 404


def test_restricted_category_is_404_everywhere_for_non_members(client, member):
    insider = make_user("insider")
    beta = make_category(
        "Beta lab", slug="beta", restricted_to=make_group(members=[insider])
    )
    secret = make_topic(
        beta, insider, title="Secret firmware notes", body="prototype burrs"
    )
    client.force_login(member)

    assert client.get(beta.get_absolute_url()).status_code == 404
    assert client.get(secret.get_absolute_url()).status_code == 404
    assert client.get(reverse("forum:feed_category", args=["beta"])).status_code == 404
    assert client.get(reverse("forum:feed_topic", args=[secret.pk])).status_code == 404
    for url in (reverse("forum:home"), reverse("forum:latest")):
        assert b"Secret firmware" not in client.get(url).content
    assert (
        b"Secret firmware"
        not in client.get(reverse("forum:search") + "?q=prototype").content
    )

    client.force_login(insider)
    assert client.get(secret.get_absolute_url()).status_code == 200
    assert (
        b"Secret firmware"
        in client.get(reverse("forum:search") + "?q=prototype").content
    )


def test_deleted_post_shows_placeholder_not_text(client, post):
    actions.delete_post(post.author, post)

    response = client.get(post.topic.get_absolute_url())

    assert b"deleted by its author" in response.content
    assert b"Use citric acid." not in response.content


# --- Writing -------------------------------------------------------------------------------


def test_writing_requires_sign_in(client, topic, category):
    response = client.get(reverse("forum:topic_start", args=[category.slug]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    response = client.post(reverse("forum:reply", args=[topic.pk]), {"body": "hi"})
    assert response.status_code == 302
    assert topic.posts.count() == 1


def test_start_topic_over_http(client, category, member):
    make_tag("espresso")
    client.force_login(member)

    response = client.post(
        reverse("forum:topic_start", args=[category.slug]),
        {"title": "My first shot", "body": "It was *sour*.", "tags": "espresso"},
    )

    topic = Topic.objects.get(title="My first shot")
    assert response.status_code == 302
    assert response["Location"] == topic.get_absolute_url()
    assert [t.slug for t in topic.tags.all()] == ["espresso"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "x" * 300, "body": "kept body text"}, b"at most"),
        ({"title": "Fine title", "body": "   "}, b"Write something"),
        (
            {"title": "Fine title", "body": "kept body text", "tags": "nosuchtag"},
            b"no tag called",
        ),
        (
            {"title": "Fine title", "body": "kept body text @nobodyhere"},
            b"Nobody here is called",
        ),
    ],
)
def test_start_topic_bad_input_keeps_text(client, category, member, data, message):
    client.force_login(member)

    response = client.post(reverse("forum:topic_start", args=[category.slug]), data)

    assert response.status_code == 400
    assert message in response.content
    if data["body"].strip():
        assert data["body"].encode() in response.content
    assert Topic.objects.count() == 0


def test_over_long_post_is_rejected_with_message(client, topic, member, settings):
    settings.FORUM_MAX_POST_LENGTH = 100
    client.force_login(member)

    response = client.post(reverse("forum:reply", args=[topic.pk]), {"body": "y" * 101})

    assert response.status_code == 400
    assert b"y" * 101 in response.content
    assert topic.posts.count() == 1


def test_reply_and_reply_to_post(client, topic, post, member):
    client.force_login(member)

    response = client.post(
        reverse("forum:reply", args=[topic.pk]),
        {"body": "Thanks!", "reply_to": post.pk},
    )

    reply = Post.objects.get(topic=topic, number=3)
    assert response.status_code == 302
    assert response["Location"] == topic.get_post_url(3)
    assert reply.reply_to == post
    page = client.get(topic.get_absolute_url()).content
    assert b"in reply to" in page.lower()


def test_reply_over_htmx_redirects_with_header(client, topic, member):
    client.force_login(member)

    response = client.post(
        reverse("forum:reply", args=[topic.pk]),
        {"body": "Via htmx"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 204
    assert response["HX-Redirect"] == topic.get_post_url(2)


def test_reply_to_locked_topic_shows_message(client, topic, member):
    Topic.objects.filter(pk=topic.pk).update(is_locked=True)
    client.force_login(member)

    response = client.post(reverse("forum:reply", args=[topic.pk]), {"body": "let me"})

    assert response.status_code == 403
    assert b"locked" in response.content


def test_quote_prefills_composer_with_attribution(client, topic, post, member):
    client.force_login(member)

    response = client.get(reverse("forum:reply", args=[topic.pk]) + f"?quote={post.pk}")

    assert response.status_code == 200
    assert b"bob wrote" in response.content
    assert f"/p/{post.pk}/".encode() in response.content
    assert b"&gt; Use citric acid." in response.content


def test_quote_of_selection_uses_selected_text(client, topic, post, member):
    client.force_login(member)

    response = client.get(
        reverse("forum:reply", args=[topic.pk]) + f"?quote={post.pk}&text=citric"
    )

    assert b"&gt; citric" in response.content


def test_edit_own_post_and_history_shows_diff(client, post):
    client.force_login(post.author)

    response = client.post(
        reverse("forum:post_edit", args=[post.pk]),
        {"body": "Use citric acid at 60 °C."},
    )
    assert response.status_code == 302

    history = client.get(reverse("forum:post_history", args=[post.pk]))
    assert history.status_code == 200
    assert b"Use citric acid at 60" in history.content
    assert b"Use citric acid." in history.content


def test_edit_someone_elses_post_is_forbidden(client, post, member):
    client.force_login(member)

    assert client.get(reverse("forum:post_edit", args=[post.pk])).status_code == 403
    response = client.post(
        reverse("forum:post_edit", args=[post.pk]), {"body": "mine now"}
    )
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.body_source == "Use citric acid."


def test_delete_own_post_over_http(client, post):
    client.force_login(post.author)

    response = client.post(reverse("forum:post_delete", args=[post.pk]))

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.deleted_at is not None


def test_like_and_unlike_over_htmx(client, post, member):
    client.force_login(member)
    url = reverse("forum:post_like", args=[post.pk])

    response = client.post(url, {"action": "like"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"Unlike" in response.content
    post.refresh_from_db()
    assert post.like_count == 1

    client.post(url, {"action": "unlike"})
    post.refresh_from_db()
    assert post.like_count == 0


def test_accept_answer_over_http(client, questions, member, other_member):
    topic = make_topic(questions, member, title="Why is my shot sour?")
    answer = actions.reply_to_topic(other_member, topic, body="Grind finer.")
    client.force_login(member)

    client.post(reverse("forum:post_accept", args=[answer.pk]))

    topic.refresh_from_db()
    assert topic.accepted_post == answer
    page = client.get(topic.get_absolute_url()).content
    assert b"https://schema.org/QAPage" in page
    assert b"acceptedAnswer" in page
    unsolved = client.get(questions.get_absolute_url() + "?filter=unsolved").content
    assert b"Why is my shot sour?" not in unsolved


def test_preview_renders_sanitized_html(client, member):
    client.force_login(member)

    response = client.post(
        reverse("forum:preview"), {"body": "**bold** <script>alert(1)</script>"}
    )

    assert response.status_code == 200
    assert b"<strong>bold</strong>" in response.content
    assert b"<script>" not in response.content


def test_read_state_unread_counts_and_first_unread(client, topic, member, other_member):
    client.force_login(member)
    client.get(topic.get_absolute_url())
    actions.reply_to_topic(other_member, topic, body="new one")
    actions.reply_to_topic(other_member, topic, body="and another")

    unread = client.get(reverse("forum:unread"))
    assert topic.title.encode() in unread.content
    assert b"2 unread" in unread.content
    response = client.get(reverse("forum:topic_first_unread", args=[topic.pk]))
    assert response["Location"] == topic.get_post_url(2)

    client.get(topic.get_absolute_url())
    assert topic.title.encode() not in client.get(reverse("forum:unread")).content


def test_new_lists_topics_never_opened(client, category, member, other_member):
    client.force_login(member)
    fresh = make_topic(category, other_member, title="Brand new topic here")

    assert fresh.title.encode() in client.get(reverse("forum:new")).content
    client.get(fresh.get_absolute_url())
    assert fresh.title.encode() not in client.get(reverse("forum:new")).content


def test_search_filters_and_highlights(client, category, member):
    grinders = make_category("Grinders", slug="grinders")
    make_topic(
        category, member, title="Milk steaming tips", body="Microfoam needs practice"
    )
    make_topic(
        grinders, member, title="Burr alignment", body="Microfoam is not about burrs"
    )

    response = client.get(reverse("forum:search") + "?q=microfoam&category=grinders")

    assert response.status_code == 200
    assert b"Burr alignment" in response.content
    assert b"Milk steaming tips" not in response.content
    assert b"<mark>" in response.content


def test_feeds_are_atom_and_list_topics(client, topic, post):
    latest = feedparser.parse(client.get(reverse("forum:feed_latest")).content)
    per_topic = feedparser.parse(
        client.get(reverse("forum:feed_topic", args=[topic.pk])).content
    )

    assert latest.version == "atom10"
    assert [e.title for e in latest.entries] == [topic.title]
    assert len(per_topic.entries) == 2


def test_search_highlight_never_splits_entities(client, category, member):
    make_topic(category, member, title="Less than <lt> signs", body="lt & gt lt")

    response = client.get(reverse("forum:search") + "?q=lt")

    assert b"&<mark>" not in response.content
    assert b"<mark>lt</mark>" in response.content


def test_honeypot_on_posting_rejects_bots_and_keeps_text(client, topic, member):
    client.force_login(member)

    response = client.post(
        reverse("forum:reply", args=[topic.pk]),
        {"body": "Buy cheap watches", "website": "http://spam.example"},
    )

    assert response.status_code == 400
    assert b"could not be accepted" in response.content
    assert topic.posts.count() == 1


def test_duplicate_post_by_new_member_is_refused(client, category):
    newbie = make_user("newbie", trust_level=0)
    client.force_login(newbie)
    first = make_topic(category, newbie, title="Where to buy beans?", body="Same text")
    other = make_topic(category, make_user(), title="Another topic")

    response = client.post(
        reverse("forum:reply", args=[other.pk]), {"body": "Same text"}
    )

    assert response.status_code == 400
    assert b"already posted exactly this text" in response.content
    assert first.pk


def test_slow_mode_makes_members_wait(client, topic, other_member):
    Topic.objects.filter(pk=topic.pk).update(slow_mode_seconds=600)
    client.force_login(other_member)

    first = client.post(reverse("forum:reply", args=[topic.pk]), {"body": "First"})
    assert first.status_code == 302
    response = client.post(reverse("forum:reply", args=[topic.pk]), {"body": "Second"})

    assert response.status_code == 400
    assert b"slow mode" in response.content
    assert b"Second" in response.content


def test_group_flair_shows_on_posts(client, topic, post):
    group = make_group("Beta testers", members=[post.author])
    group.flair = "Beta tester"
    group.save()

    page = client.get(topic.get_absolute_url()).content

    assert b">Beta tester</span>" in page
