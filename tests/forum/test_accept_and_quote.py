"""Accepting an answer and quoting a post without leaving the topic page (htmx
and a small JSON-free endpoint), and both still as plain links and forms."""

import pytest
from django.urls import reverse

from forum import actions, queries
from forum.models import Post, Topic
from tests.factories import make_category, make_group, make_topic, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def question(questions, member, other_member):
    topic = make_topic(questions, member, title="Why is my shot sour?")
    actions.reply_to_topic(other_member, topic, body="Grind finer.")
    actions.reply_to_topic(make_user("carol"), topic, body="Raise the temperature.")
    return topic


def _article(html: str, number: int) -> str:
    return html.split(f'id="post-{number}"')[1].split("</article>")[0]


def _accept(client, post: Post, action: str = "accept", **extra):
    return client.post(
        reverse("forum:post_accept", args=[post.pk]), {"action": action}, **extra
    )


# --- Accept answer --------------------------------------------------------------------------


def test_accept_over_htmx_answers_with_the_updated_topic(client, question, member):
    answer = question.posts.get(number=3)
    client.force_login(member)

    response = _accept(client, answer, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="topic-main"' in html  # what the form swaps in (hx-select)
    assert '<span class="label label-solved">Solved</span>' in html
    assert "Accepted answer" in _article(html, 3)
    assert "Accepted answer" not in _article(html, 2)
    assert ">Unaccept<" in _article(html, 3)
    assert ">Accept answer<" in _article(html, 2)
    assert 'class="accepted-answer"' in html  # the copy under the question
    question.refresh_from_db()
    assert question.accepted_post == answer
    assert question.is_solved is True


def test_accept_over_htmx_leaves_no_message_for_the_next_page(client, question, member):
    client.force_login(member)

    _accept(client, question.posts.get(number=2), HTTP_HX_REQUEST="true")
    page = client.get(question.get_absolute_url()).content.decode()

    assert "Marked as the accepted answer." not in page


def test_accepting_another_answer_over_htmx_moves_the_label(client, question, member):
    client.force_login(member)
    _accept(client, question.posts.get(number=2), HTTP_HX_REQUEST="true")

    html = _accept(
        client, question.posts.get(number=3), HTTP_HX_REQUEST="true"
    ).content.decode()

    assert "Accepted answer" not in _article(html, 2)
    assert "Accepted answer" in _article(html, 3)


def test_unaccept_over_htmx_shows_unsolved(client, question, member):
    answer = question.posts.get(number=2)
    actions.accept_answer(member, answer)
    client.force_login(member)

    response = _accept(client, answer, "unaccept", HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert '<span class="label label-unsolved">Unsolved</span>' in html
    assert "Accepted answer" not in _article(html, 2)
    assert ">Accept answer<" in _article(html, 2)
    question.refresh_from_db()
    assert question.accepted_post is None
    assert question.is_solved is False


def test_accept_over_htmx_renders_the_page_the_answer_is_on(client, questions, member):
    topic = make_topic(questions, member, title="A long question thread")
    helper = make_user("helper")
    for i in range(queries.POSTS_PER_PAGE + 2):
        actions.reply_to_topic(helper, topic, body=f"Answer number {i}")
    late = topic.posts.get(number=queries.POSTS_PER_PAGE + 2)
    client.force_login(member)

    html = _accept(client, late, HTTP_HX_REQUEST="true").content.decode()

    assert f'id="post-{late.number}"' in html
    assert 'id="post-2"' not in html
    assert "Accepted answer" in _article(html, late.number)


def test_accept_without_javascript_still_redirects_with_a_message(
    client, question, member
):
    answer = question.posts.get(number=2)
    client.force_login(member)

    response = _accept(client, answer, follow=True)

    assert response.redirect_chain[-1][0].endswith("#post-2")
    assert b"Marked as the accepted answer." in response.content
    question.refresh_from_db()
    assert question.accepted_post == answer


def test_accept_over_htmx_by_someone_else_is_refused_with_the_reason(
    client, question, other_member
):
    client.force_login(other_member)

    response = _accept(client, question.posts.get(number=3), HTTP_HX_REQUEST="true")

    assert response.status_code == 403
    assert b"data-error-reason" in response.content
    assert b"Only the person who asked" in response.content
    assert Topic.objects.get(pk=question.pk).accepted_post is None


def test_accept_form_is_wired_for_htmx_and_plain_posts(client, question, member):
    client.force_login(member)

    footer = _article(client.get(question.get_absolute_url()).content.decode(), 2)

    answer = question.posts.get(number=2)
    assert f'action="{reverse("forum:post_accept", args=[answer.pk])}"' in footer
    assert 'hx-target="closest .topic-main"' in footer
    assert 'hx-select=".topic-main"' in footer
    assert f'id="accept-button-{answer.pk}"' in footer


# --- Quote --------------------------------------------------------------------------------------


def _quote_url(post: Post, text: str = "") -> str:
    url = reverse("forum:post_quote", args=[post.pk])
    return f"{url}?text={text}" if text else url


def test_quote_endpoint_answers_the_markdown_quote(client, topic, post, member):
    client.force_login(member)

    response = client.get(_quote_url(post))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == (
        f"> [bob wrote](/p/{post.pk}/):\n> Use citric acid.\n\n"
    )


def test_quote_endpoint_quotes_only_the_selection(client, topic, post, member):
    client.force_login(member)

    response = client.get(_quote_url(post, "citric"))

    assert response.content.decode().splitlines()[1] == "> citric"


def test_quote_endpoint_asks_visitors_to_sign_in(client, post):
    response = client.get(_quote_url(post))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_quote_endpoint_hides_what_you_cannot_see(client, member):
    insider = make_user("insider")
    beta = make_category("Beta", slug="beta", restricted_to=make_group("B", [insider]))
    secret = make_topic(beta, insider, title="Prototype pressure profiles")
    client.force_login(member)

    assert client.get(_quote_url(secret.first_post)).status_code == 404


def test_quote_endpoint_refuses_hidden_posts_and_closed_topics(
    client, topic, post, member
):
    client.force_login(member)
    Post.objects.filter(pk=post.pk).update(is_hidden=True)

    assert client.get(_quote_url(post)).status_code == 404

    Topic.objects.filter(pk=topic.pk).update(is_locked=True)
    assert client.get(_quote_url(topic.first_post)).status_code == 403


def test_quote_link_keeps_the_reply_page_for_javascript_off(
    client, topic, post, member
):
    client.force_login(member)

    footer = _article(client.get(topic.get_absolute_url()).content.decode(), 2)

    reply_page = reverse("forum:reply", args=[topic.pk]) + f"?quote={post.pk}"
    assert f'href="{reply_page}"' in footer
    assert f'data-quote="{_quote_url(post)}"' in footer
