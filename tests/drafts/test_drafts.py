"""Drafts kept on the server (issue 22), over HTTP: saved as the member types,
restored on another device, listed, discarded on request and when posted."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from drafts.models import Draft
from forum import actions as forum_actions
from tests.factories import (
    PASSWORD,
    make_category,
    make_group,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

SAVE = "/drafts/save/"


def _device(user) -> Client:
    """A browser of its own: a separate session signed in with the password."""
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def writer():
    return make_user("writer")


@pytest.fixture
def topic():
    return make_topic(
        make_category("Espresso", slug="espresso"),
        make_user("asker"),
        title="Why is my shot sour?",
    )


def test_a_reply_draft_is_saved_and_restored_on_another_device(writer, topic):
    laptop, phone = _device(writer), _device(writer)

    saved = laptop.post(
        SAVE, {"draft_key": f"reply:{topic.pk}", "body": "Try grinding finer and"}
    )

    assert saved.status_code == 200
    assert saved.content.decode().startswith("Draft saved at")
    restored = phone.get("/drafts/load/", {"key": f"reply:{topic.pk}"})
    assert restored.status_code == 200
    assert restored.json()["body"] == "Try grinding finer and"
    # Typing on: the same draft, updated.
    laptop.post(
        SAVE,
        {"draft_key": f"reply:{topic.pk}", "body": "Try grinding finer and hotter."},
    )
    again = phone.get("/drafts/load/", {"key": f"reply:{topic.pk}"}).json()
    assert again["body"] == "Try grinding finer and hotter."
    assert Draft.objects.count() == 1


def test_the_composer_carries_its_draft_key(writer, topic):
    page = _device(writer).get(topic.get_absolute_url()).content.decode()

    assert f'data-draft-key="reply:{topic.pk}"' in page
    assert 'hx-post="/drafts/save/"' in page


def test_a_new_topic_draft_keeps_its_title(writer):
    category = make_category("Grinders", slug="grinders")
    device = _device(writer)
    device.post(
        SAVE,
        {
            "draft_key": f"topic:{category.pk}",
            "title": "Burr alignment on the G2",
            "body": "I measured",
        },
    )

    page = _device(writer).get("/drafts/").content.decode()

    assert "New topic: “Burr alignment on the G2”" in page
    assert "I measured" in page
    assert 'href="/c/grinders/new-topic/"' in page
    assert device.get("/drafts/load/", {"key": f"topic:{category.pk}"}).json()[
        "title"
    ] == ("Burr alignment on the G2")


def test_the_drafts_page_lists_mine_only_and_discards_on_request(writer, topic):
    other = make_user("other")
    _device(other).post(
        SAVE, {"draft_key": f"reply:{topic.pk}", "body": "Other's secret words"}
    )
    device = _device(writer)
    device.post(SAVE, {"draft_key": f"reply:{topic.pk}", "body": "My half reply"})
    mine = Draft.objects.get(user=writer)

    page = device.get("/drafts/").content.decode()
    assert "My half reply" in page
    assert "Other&#x27;s secret words" not in page and "secret words" not in page
    # Someone else's draft cannot be discarded.
    theirs = Draft.objects.get(user=other)
    assert device.post(f"/drafts/{theirs.pk}/discard/").status_code == 404

    response = device.post(f"/drafts/{mine.pk}/discard/")

    assert response.status_code == 302
    assert "My half reply" not in device.get("/drafts/").content.decode()
    assert Draft.objects.filter(user=other).exists()
    assert device.get("/drafts/load/", {"key": f"reply:{topic.pk}"}).status_code == 204


def test_posting_the_reply_discards_its_draft(writer, topic):
    device = _device(writer)
    device.post(SAVE, {"draft_key": f"reply:{topic.pk}", "body": "Almost done"})

    response = device.post(f"/t/{topic.pk}/reply/", {"body": "Grind finer, then."})

    assert response.status_code == 302
    assert not Draft.objects.exists()
    assert "Almost done" not in device.get("/drafts/").content.decode()


def test_starting_the_topic_discards_its_draft(writer):
    category = make_category("Grinders", slug="grinders")
    device = _device(writer)
    device.post(SAVE, {"draft_key": f"topic:{category.pk}", "body": "A draft"})

    forum_actions.create_topic(
        writer, category, title="Burr alignment on the G2", body="Measured it."
    )

    assert not Draft.objects.exists()


def test_a_failed_post_keeps_the_text_and_the_draft(writer, topic):
    device = _device(writer)
    device.post(SAVE, {"draft_key": f"reply:{topic.pk}", "body": "Hi @nobody_here"})

    response = device.post(f"/t/{topic.pk}/reply/", {"body": "Hi @nobody_here"})

    assert response.status_code == 400  # the form again, with its message
    assert "Hi @nobody_here" in response.content.decode()
    assert Draft.objects.get().body == "Hi @nobody_here"


def test_emptying_the_composer_discards_the_draft(writer, topic):
    device = _device(writer)
    device.post(SAVE, {"draft_key": f"reply:{topic.pk}", "body": "Something"})

    response = device.post(SAVE, {"draft_key": f"reply:{topic.pk}", "body": "  "})

    assert response.status_code == 200
    assert not Draft.objects.exists()


def test_no_draft_for_a_topic_the_member_cannot_see(writer):
    insider = make_user("insider")
    beta = make_group("Beta testers", members=[insider])
    lab = make_category("Beta lab", slug="beta-lab", restricted_to=beta)
    secret = make_topic(lab, insider, title="Unreleased grinder")
    device = _device(writer)

    assert device.post(
        SAVE, {"draft_key": f"reply:{secret.pk}", "body": "x"}
    ).status_code == (404)
    assert device.post(
        SAVE, {"draft_key": f"topic:{lab.pk}", "body": "x"}
    ).status_code == (404)
    assert device.post(SAVE, {"draft_key": "bogus", "body": "x"}).status_code == 404
    assert not Draft.objects.exists()


def test_a_draft_whose_topic_became_restricted_is_left_off_the_page(writer, topic):
    device = _device(writer)
    device.post(SAVE, {"draft_key": f"reply:{topic.pk}", "body": "Kept for later"})
    beta = make_group("Beta testers", members=[])
    topic.category.restricted_to = beta
    topic.category.save()

    page = device.get("/drafts/").content.decode()

    assert "Kept for later" not in page
    assert "Why is my shot sour" not in page


def test_signing_in_is_needed(topic):
    anonymous = Client()

    assert (
        anonymous.post(SAVE, {"draft_key": f"reply:{topic.pk}", "body": "x"})
    ).status_code == 403
    assert (
        anonymous.get("/drafts/load/", {"key": f"reply:{topic.pk}"}).status_code == 403
    )
    assert anonymous.get("/drafts/").status_code == 302
    assert not Draft.objects.exists()


def test_a_draft_too_long_is_refused_with_a_message(writer, topic):
    response = _device(writer).post(
        SAVE, {"draft_key": f"reply:{topic.pk}", "body": "x" * 100_001}
    )

    assert response.status_code == 400
    assert "too long" in response.content.decode()


def test_drafts_page_query_count_is_constant(writer):
    device = _device(writer)
    category = make_category("Espresso", slug="espresso")

    def add_drafts(count):
        for n in range(count):
            found = make_topic(category, make_user(), title=f"Topic number {n} here")
            device.post(SAVE, {"draft_key": f"reply:{found.pk}", "body": f"draft {n}"})

    add_drafts(1)
    device.get("/drafts/")
    with CaptureQueriesContext(connection) as few:
        device.get("/drafts/")
    add_drafts(6)
    with CaptureQueriesContext(connection) as many:
        response = device.get("/drafts/")

    assert response.content.decode().count('class="bookmark"') == 7
    assert len(many.captured_queries) == len(few.captured_queries)
