"""Polls on topics, over HTTP: creation, voting, changing a vote, closing,
who sees results, names never shown, editing refused after votes, concept
polls from brand representatives, and the poll's query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import TrustLevel
from forum.actions import create_topic
from forum.models import CategoryKind, Topic
from polls.actions import PollSpec, start_topic_with_poll, vote
from polls.models import Poll, PollVote
from tests.factories import (
    make_admin,
    make_brand_rep,
    make_category,
    make_moderator,
    make_user,
)

pytestmark = pytest.mark.django_db


def _new_topic_data(**poll: str) -> dict[str, str]:
    data = {
        "title": "Which grind size for a moka pot?",
        "body": "I keep getting bitter coffee from my moka pot.",
        "tags": "",
        "poll-add_poll": "on",
        "poll-question": "Which grind do you use?",
        "poll-options": "Fine\nMedium-fine\n\n  Medium  \n",
        "poll-kind": "single",
        "poll-show_results": "after_vote",
    }
    data.update({f"poll-{key}": value for key, value in poll.items()})
    return data


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _poll_topic(category, author, *, options=("Red", "Green", "Blue"), **spec) -> Topic:
    return start_topic_with_poll(
        author,
        category,
        title="A question for everyone here",
        body="Tell us what you think about this.",
        poll=PollSpec(question="Which one?", options=tuple(options), **spec),
    )


@pytest.fixture
def open_category():
    return make_category("Coffee talk", slug="coffee", allow_polls=True)


# --- creating ---------------------------------------------------------------------------


def test_member_creates_a_topic_with_a_poll(open_category):
    alice = make_user("alice")
    client = _client(alice)
    url = reverse("forum:topic_start", args=[open_category.slug])
    assert b"Add a poll to this topic" in client.get(url).content

    response = client.post(url, _new_topic_data())

    topic = Topic.objects.get(title__startswith="Which grind")
    assert response.status_code == 302
    poll = Poll.objects.get(topic=topic)
    assert list(poll.options.values_list("text", flat=True)) == [
        "Fine",
        "Medium-fine",
        "Medium",
    ]
    assert topic.has_poll and topic.concept_brand_id is None
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "Which grind do you use?" in page
    assert 'type="radio"' in page


def test_topic_without_the_box_ticked_has_no_poll(open_category):
    client = _client(make_user("alice"))
    data = _new_topic_data()
    del data["poll-add_poll"]
    data["poll-options"] = "only one"  # ignored: no poll asked for

    response = client.post(
        reverse("forum:topic_start", args=[open_category.slug]), data
    )

    assert response.status_code == 302
    assert not Poll.objects.exists()


@pytest.mark.parametrize(
    ("poll", "message"),
    [
        ({"options": "Just one option"}, "Give at least 2 options, one per line."),
        (
            {"options": "\n".join(f"Option {i}" for i in range(21))},
            "A poll has at most 20 options; this one has 21.",
        ),
        ({"options": "Same\nsame"}, "is there twice"),
        ({"question": ""}, "Write the poll&#x27;s question."),
        (
            {"kind": "multiple", "max_choices": "5"},
            "At most 3 choices can be made",
        ),
        ({"closes_at": "2001-01-01T10:00"}, "Choose a closing time in the future."),
        ({"closes_at": "not a date"}, "Enter a valid date/time."),
    ],
)
def test_invalid_poll_is_refused_with_the_text_kept(open_category, poll, message):
    client = _client(make_user("alice"))
    data = _new_topic_data(**poll)

    response = client.post(
        reverse("forum:topic_start", args=[open_category.slug]), data
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "I keep getting bitter coffee from my moka pot." in page
    assert "Which grind do you use?" in page or not poll.get("question", "x")
    assert not Topic.objects.exists()


def test_poll_is_not_offered_where_the_category_does_not_allow_it():
    category = make_category("General", slug="general")
    client = _client(make_user("alice"))
    url = reverse("forum:topic_start", args=[category.slug])
    assert b"Add a poll" not in client.get(url).content

    # A crafted post is a plain topic: the poll part is not even read.
    response = client.post(url, _new_topic_data())

    assert response.status_code == 302
    assert not Poll.objects.exists()


def test_moderator_may_start_a_poll_anywhere_they_moderate():
    category = make_category("General", slug="general")
    mod = make_moderator(category, "mira")

    response = _client(mod).post(
        reverse("forum:topic_start", args=[category.slug]), _new_topic_data()
    )

    assert response.status_code == 302
    assert Poll.objects.count() == 1


# --- brand representatives: concepts in ideas categories only ---------------------------


def test_brand_rep_concept_poll_in_ideas_category_is_labelled(open_category):
    ideas = make_category("Ideas", slug="ideas", kind=CategoryKind.IDEAS)
    rep = make_brand_rep("marco")
    client = _client(rep)
    url = reverse("forum:topic_start", args=[ideas.slug])
    assert "Concept from Brevetto" in client.get(url).content.decode()

    response = client.post(url, _new_topic_data())

    assert response.status_code == 302
    topic = Topic.objects.get()
    assert topic.concept_brand_id == rep.brand_id
    for page_url in (topic.get_absolute_url(), ideas.get_absolute_url(), "/latest/"):
        page = Client().get(page_url).content.decode()
        assert "Concept from Brevetto" in page, page_url


def test_brand_rep_plain_poll_elsewhere_is_refused(open_category):
    rep = make_brand_rep("marco")
    client = _client(rep)
    url = reverse("forum:topic_start", args=[open_category.slug])
    assert b"Add a poll" not in client.get(url).content

    response = client.post(url, _new_topic_data())

    # The topic is the representative's to post; the poll is not.
    assert response.status_code == 302
    assert not Poll.objects.exists()
    assert Topic.objects.get().concept_brand_id is None


def test_brand_rep_does_not_vote_but_sees_their_concept_results():
    ideas = make_category("Ideas", slug="ideas", kind=CategoryKind.IDEAS)
    rep = make_brand_rep("marco")
    topic = _poll_topic(ideas, rep, show_results=Poll.ShowResults.AT_CLOSE)
    poll = topic.poll
    alice = make_user("alice")
    _client(alice).post(
        reverse("polls:poll_vote", args=[poll.pk]),
        {"option": poll.options.first().pk},
    )
    other_rep = make_brand_rep("rita")

    refused = _client(other_rep).post(
        reverse("polls:poll_vote", args=[poll.pk]),
        {"option": poll.options.first().pk},
    )

    assert refused.status_code == 403
    assert PollVote.objects.count() == 1
    page = _client(rep).get(topic.get_absolute_url()).content.decode()
    assert "1 vote (100%)" in page
    assert "Brand representatives don" in page


# --- voting -----------------------------------------------------------------------------


def test_single_choice_vote_without_js_redirects_and_can_be_changed(open_category):
    topic = _poll_topic(open_category, make_user("author"))
    red, green, _blue = topic.poll.options.all()
    client = _client(make_user("alice"))
    url = reverse("polls:poll_vote", args=[topic.poll.pk])
    before = client.get(topic.get_absolute_url()).content.decode()
    assert "Results are shown once you have voted" in before
    assert "vote (" not in before

    response = client.post(url, {"option": red.pk})

    assert response.status_code == 302
    assert response["Location"].endswith("#poll")
    page = client.get(response["Location"]).content.decode()
    assert "1 vote (100%)" in page
    assert "Change my vote" in page

    client.post(url, {"option": green.pk})

    assert list(PollVote.objects.values_list("option_id", flat=True)) == [green.pk]


def test_single_choice_refuses_two_options(open_category):
    topic = _poll_topic(open_category, make_user("author"))
    red, green, _blue = topic.poll.options.all()
    client = _client(make_user("alice"))

    response = client.post(
        reverse("polls:poll_vote", args=[topic.poll.pk]),
        {"option": [red.pk, green.pk]},
        follow=True,
    )

    assert "Choose one option." in response.content.decode()
    assert not PollVote.objects.exists()


def test_multiple_choice_vote_with_a_maximum(open_category):
    topic = _poll_topic(
        open_category,
        make_user("author"),
        kind=Poll.Kind.MULTIPLE,
        max_choices=2,
    )
    red, green, blue = topic.poll.options.all()
    alice = _client(make_user("alice"))
    url = reverse("polls:poll_vote", args=[topic.poll.pk])

    too_many = alice.post(url, {"option": [red.pk, green.pk, blue.pk]}, follow=True)
    assert "Choose at most 2 options." in too_many.content.decode()
    alice.post(url, {"option": [red.pk, green.pk]})
    _client(make_user("bob")).post(url, {"option": [red.pk]})

    page = alice.get(topic.get_absolute_url()).content.decode()
    assert "2 members voted." in page
    assert "2 votes (100%)" in page  # red: both voters
    assert "1 vote (50%)" in page  # green
    assert 'type="checkbox"' in page
    assert '<meter class="poll-meter" min="0" max="100" value="100"' in page
    assert "style=" not in page.split('id="poll"')[1].split("</section>")[0]


def test_vote_with_htmx_answers_the_fragment(open_category):
    topic = _poll_topic(open_category, make_user("author"))
    red = topic.poll.options.first()
    client = _client(make_user("alice"))

    response = client.post(
        reverse("polls:poll_vote", args=[topic.poll.pk]),
        {"option": red.pk},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith("<section") or 'id="poll"' in body
    assert "<html" not in body
    assert "Your vote was recorded." in body
    assert "1 vote (100%)" in body


def test_bad_choices_never_500(open_category):
    topic = _poll_topic(open_category, make_user("author"))
    other = _poll_topic(make_category(allow_polls=True), make_user("author2"))
    client = _client(make_user("alice"))
    url = reverse("polls:poll_vote", args=[topic.poll.pk])

    for data in ({}, {"option": "x"}, {"option": other.poll.options.first().pk}):
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
        assert 'role="alert"' in response.content.decode() or "message-error" in (
            response.content.decode()
        )
    assert not PollVote.objects.exists()


def test_anonymous_visitor_cannot_vote(open_category):
    topic = _poll_topic(open_category, make_user("author"))

    response = Client().post(
        reverse("polls:poll_vote", args=[topic.poll.pk]),
        {"option": topic.poll.options.first().pk},
    )

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert "Sign in to vote." in Client().get(topic.get_absolute_url()).content.decode()


# --- results visibility and anonymity ---------------------------------------------------


def test_results_at_close_are_hidden_from_voters_until_the_poll_closes(open_category):
    author = make_user("author")
    topic = _poll_topic(open_category, author, show_results=Poll.ShowResults.AT_CLOSE)
    poll = topic.poll
    alice = _client(make_user("alice"))
    alice.post(
        reverse("polls:poll_vote", args=[poll.pk]), {"option": poll.options.first().pk}
    )
    admin = _client(make_admin("ines"))
    mod = _client(make_moderator(open_category, "mira"))

    for client in (alice, admin, mod, Client()):
        page = client.get(topic.get_absolute_url()).content.decode()
        assert "vote (" not in page and "votes (" not in page
        assert "Results are shown to everyone when the poll closes" in page
    # The author who asked sees them as they come.
    assert (
        "1 vote (100%)"
        in _client(author).get(topic.get_absolute_url()).content.decode()
    )

    _client(author).post(reverse("polls:poll_close", args=[poll.pk]))

    for client in (alice, admin, mod, Client()):
        page = client.get(topic.get_absolute_url()).content.decode()
        assert "1 vote (100%)" in page
        assert "This poll is closed" in page


def test_poll_closes_by_date(open_category):
    topic = _poll_topic(
        open_category,
        make_user("author"),
        closes_at=timezone.now() + timedelta(hours=1),
        show_results=Poll.ShowResults.AT_CLOSE,
    )
    poll = topic.poll
    alice = _client(make_user("alice"))
    url = reverse("polls:poll_vote", args=[poll.pk])
    alice.post(url, {"option": poll.options.first().pk})
    Poll.objects.filter(pk=poll.pk).update(
        closes_at=timezone.now() - timedelta(seconds=1)
    )

    late = alice.post(url, {"option": poll.options.last().pk})
    page = Client().get(topic.get_absolute_url()).content.decode()

    assert late.status_code == 403
    assert "This poll is closed" in page
    assert "1 vote (100%)" in page
    assert list(PollVote.objects.values_list("option_id", flat=True)) == [
        poll.options.first().pk
    ]


def test_voter_names_are_never_shown(open_category):
    author = make_user("author")
    topic = _poll_topic(open_category, author)
    poll = topic.poll
    voters = [make_user(f"secretvoter{i}") for i in range(3)]
    for voter in voters:
        vote(voter, poll, [poll.options.first().pk])
    admin = make_admin("ines")
    mod = make_moderator(open_category, "mira")
    rep = make_brand_rep("marco")
    Poll.objects.filter(pk=poll.pk).update(closed_at=timezone.now())

    urls = [
        topic.get_absolute_url(),
        f"/feeds/t/{topic.pk}/",
        reverse("admin:polls_poll_change", args=[poll.pk]),
        reverse("admin:polls_poll_changelist"),
        "/latest/",
    ]
    for viewer in (None, author, admin, mod, rep, voters[1]):
        client = Client() if viewer is None else _client(viewer)
        responses = [client.get(url) for url in urls]
        # The in-place answer to a vote (refused here: the poll is closed).
        responses.append(
            client.post(
                reverse("polls:poll_vote", args=[poll.pk]),
                {"option": poll.options.first().pk},
                HTTP_HX_REQUEST="true",
            )
        )
        for response in responses:
            body = response.content.decode()
            for voter in voters:
                if voter != viewer:
                    assert voter.username not in body, (viewer, response)


# --- closing and editing ----------------------------------------------------------------


def test_only_author_or_moderator_closes(open_category):
    author = make_user("author")
    topic = _poll_topic(open_category, author)
    url = reverse("polls:poll_close", args=[topic.poll.pk])

    assert _client(make_user("alice")).post(url).status_code == 403
    assert _client(make_brand_rep("marco")).post(url).status_code == 403
    assert _client(make_moderator(open_category, "mira")).post(url).status_code == 302
    topic.poll.refresh_from_db()
    assert topic.poll.closed_at is not None
    # Closed: no more votes, and closing again is refused.
    assert _client(author).post(url).status_code == 403


def test_author_edits_options_before_any_vote(open_category):
    author = make_user("author")
    topic = _poll_topic(open_category, author)
    client = _client(author)
    url = reverse("polls:poll_edit", args=[topic.poll.pk])
    assert "Red\nGreen\nBlue" in client.get(url).content.decode()

    response = client.post(
        url,
        {
            "question": "Which colour, really?",
            "options": "Red\nYellow",
            "kind": "single",
            "show_results": "after_vote",
        },
    )

    assert response.status_code == 302
    topic.poll.refresh_from_db()
    assert topic.poll.question == "Which colour, really?"
    assert list(topic.poll.options.values_list("text", flat=True)) == ["Red", "Yellow"]


def test_edit_after_votes_is_refused_with_a_clear_message(open_category):
    author = make_user("author")
    topic = _poll_topic(open_category, author)
    vote(make_user("alice"), topic.poll, [topic.poll.options.first().pk])
    client = _client(author)
    url = reverse("polls:poll_edit", args=[topic.poll.pk])

    shown = client.get(url).content.decode()
    response = client.post(
        url,
        {
            "question": "Sneaky change",
            "options": "Yes\nNo",
            "kind": "single",
            "show_results": "after_vote",
        },
    )

    assert "This poll already has votes, so it can no longer be edited" in shown
    assert response.status_code == 400
    assert "This poll already has votes, so it can no longer be edited" in (
        response.content.decode()
    )
    assert list(topic.poll.options.values_list("text", flat=True)) == [
        "Red",
        "Green",
        "Blue",
    ]
    assert _client(make_user("bob")).get(url).status_code == 403
    rep = _client(make_brand_rep("marco"))
    assert rep.get(url).status_code == 403
    assert (
        rep.post(url, {"question": "Brand edit", "options": "A\nB"}).status_code == 403
    )
    topic.poll.refresh_from_db()
    assert topic.poll.question == "Which one?"


def test_invalid_edit_keeps_the_text(open_category):
    author = make_user("author")
    topic = _poll_topic(open_category, author)

    response = _client(author).post(
        reverse("polls:poll_edit", args=[topic.poll.pk]),
        {"question": "Still asking", "options": "Lonely option", "kind": "single"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Give at least 2 options, one per line." in page
    assert "Lonely option" in page and "Still asking" in page


# --- queries ----------------------------------------------------------------------------


@pytest.mark.parametrize("signed_in", [False, True])
def test_topic_page_with_a_poll_has_a_constant_query_count(open_category, signed_in):
    reader = make_user("reader", trust_level=TrustLevel.MEMBER)

    def count(voters: int, options: int) -> int:
        topic = _poll_topic(
            open_category,
            make_user(),
            options=[f"Option {i}" for i in range(options)],
            kind=Poll.Kind.MULTIPLE,
        )
        ids = list(topic.poll.options.values_list("pk", flat=True))
        for _ in range(voters):
            vote(make_user(), topic.poll, ids[:2])
        if signed_in:
            vote(reader, topic.poll, ids[:1])
        client = _client(reader) if signed_in else Client()
        client.get("/latest/")  # the once-a-day visit bookkeeping
        cache.clear()  # measure the render, not the anonymous page cache
        with CaptureQueriesContext(connection) as queries:
            assert client.get(topic.get_absolute_url()).status_code == 200
        return len(queries)

    small, large = count(1, 2), count(40, 20)
    assert small == large
    assert small > 5  # a real render was measured


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_poll_costs_two_queries_and_a_topic_without_one_none(
    open_category, signed_in
):
    reader = make_user("reader")
    author = make_user("author")
    plain = create_topic(
        author, open_category, title="No poll on this one", body="Just words."
    )
    with_poll = _poll_topic(open_category, author)
    client = _client(reader) if signed_in else Client()
    client.get("/latest/")  # the once-a-day visit bookkeeping

    def count(topic: Topic) -> int:
        cache.clear()  # anonymous pages: measure the render, not the page cache
        with CaptureQueriesContext(connection) as queries:
            assert client.get(topic.get_absolute_url()).status_code == 200
        return len(queries)

    count(plain)  # first visits write read state; compare second visits
    count(with_poll)
    assert count(with_poll) - count(plain) == 2
    assert not any("polls_" in q["sql"] for q in _queries(client, plain))


def _queries(client: Client, topic: Topic) -> list[dict[str, str]]:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        client.get(topic.get_absolute_url())
    return list(queries.captured_queries)


def test_a_vote_refused_in_place_shows_why_and_the_current_poll(open_category):
    topic = _poll_topic(open_category, make_user("author"))
    poll = topic.poll
    client = _client(make_user("alice"))
    page = client.get(topic.get_absolute_url())  # the form was on the page …
    assert b"Your vote" in page.content
    Poll.objects.filter(pk=poll.pk).update(closed_at=timezone.now())  # … then it closed

    response = client.post(
        reverse("polls:poll_vote", args=[poll.pk]),
        {"option": poll.options.first().pk},
        HTTP_HX_REQUEST="true",
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "This poll is closed." in body
    assert "0 votes (0%)" in body
    assert not PollVote.objects.exists()


def test_a_refused_choice_stays_ticked_in_place(open_category):
    topic = _poll_topic(open_category, make_user("author"))
    red, green, _blue = topic.poll.options.all()

    response = _client(make_user("alice")).post(
        reverse("polls:poll_vote", args=[topic.poll.pk]),
        {"option": [red.pk, green.pk]},
        HTTP_HX_REQUEST="true",
    )

    body = response.content.decode()
    assert "Choose one option." in body
    assert f'value="{red.pk}" id="poll-option-{red.pk}" checked' in body
    assert f'value="{green.pk}" id="poll-option-{green.pk}" checked' in body
