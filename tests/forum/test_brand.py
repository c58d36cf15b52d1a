"""The brand as a peer resource: ask the brand, the queue, official answers,
escalation and idea status — and that none of it removes anything."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.roles import PostRole
from forum import actions
from forum.models import BrandRequest, BrandStatus, Escalation
from notifications.models import Event
from tests.factories import make_brand, make_brand_rep, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep():
    return make_brand_rep("marco")


def test_member_asks_brand_and_rep_reply_answers_request(topic, member, rep):
    brand = rep.brand
    actions.ask_brand(member, topic, brand, note="Is this covered by warranty?")
    actions.ask_brand(member, topic, brand)  # asking twice is a no-op
    topic.refresh_from_db()
    assert topic.brand_status == BrandStatus.REQUESTED
    assert BrandRequest.objects.count() == 1

    post = actions.reply_to_topic(rep, topic, body="Yes, two years.")

    request = BrandRequest.objects.get()
    topic.refresh_from_db()
    assert (request.answered_by, request.answer) == (rep, post)
    assert topic.brand_status == BrandStatus.ANSWERED
    assert post.author_role == PostRole.BRAND_REP
    event = Event.objects.get(kind="brand.answered")
    assert event.payload["user_ids"] == [member.pk]


def test_rep_cannot_ask_the_brand(topic, rep):
    with pytest.raises(PermissionDenied):
        actions.ask_brand(rep, topic, rep.brand)


def test_brand_queue_lists_open_requests_oldest_first(client, category, member, rep):
    first = make_topic(category, member, title="First question for the brand")
    second = make_topic(category, member, title="Second question for the brand")
    actions.ask_brand(member, first, rep.brand)
    actions.ask_brand(member, second, rep.brand)
    client.force_login(rep)

    page = client.get(reverse("forum:brand_queue")).content.decode()

    assert page.index("First question") < page.index("Second question")
    actions.reply_to_topic(rep, first, body="Answered.")
    page = client.get(reverse("forum:brand_queue")).content.decode()
    assert "First question" not in page


def test_brand_queue_is_closed_to_members(client, member):
    client.force_login(member)

    assert client.get(reverse("forum:brand_queue")).status_code == 403


def test_ask_brand_over_http_labels_the_topic(client, topic, member, rep):
    client.force_login(member)

    client.post(reverse("forum:ask_brand", args=[topic.pk]), {"brand": rep.brand_id})

    assert b"Brand response requested" in client.get(topic.get_absolute_url()).content
    assert b"Brand response requested" in client.get(reverse("forum:latest")).content


def test_official_answer_is_labeled_but_not_accepted(questions, member, rep):
    topic = make_topic(questions, member, title="Which gasket fits the Duo?")

    post = actions.reply_to_topic(rep, topic, body="The 58 mm one.", official=True)

    topic.refresh_from_db()
    assert post.is_official_answer is True
    assert topic.accepted_post is None
    assert topic.is_solved is False


def test_official_answer_only_by_reps_and_only_in_questions(
    topic, questions, member, rep
):
    question = make_topic(questions, member, title="Which gasket fits the Duo?")
    with pytest.raises(PermissionDenied):
        actions.reply_to_topic(member, question, body="Me too", official=True)
    with pytest.raises(PermissionDenied):
        actions.reply_to_topic(rep, topic, body="Hello", official=True)


def test_escalation_is_public_note_and_private_reference(client, topic, member, rep):
    original = topic.first_post.body_source

    escalation = actions.escalate_to_support(rep, topic, note="Support will call you.")

    topic.refresh_from_db()
    assert topic.escalated_to == rep.brand
    assert escalation.member == member
    assert escalation.reference.startswith("BREV-")
    assert topic.first_post.body_source == original  # nothing removed or changed
    public = client.get(topic.get_absolute_url()).content
    assert b"Escalated to Brevetto support" in public
    assert escalation.reference.encode() not in public
    client.force_login(member)
    private = client.get(topic.get_absolute_url()).content
    assert escalation.reference.encode() in private
    assert b"https://support.example/" in private


def test_escalate_over_http(client, topic, rep):
    client.force_login(rep)

    response = client.post(reverse("forum:escalate", args=[topic.pk]), {"note": "x"})

    assert response.status_code == 302
    assert Escalation.objects.filter(topic=topic).count() == 1


def test_admin_escalation_needs_a_brand(admin_user, topic):
    make_brand()
    with pytest.raises(Exception, match="Choose the brand"):
        actions.escalate_to_support(admin_user, topic)


def test_members_cannot_escalate(client, topic, member):
    client.force_login(member)

    assert client.post(reverse("forum:escalate", args=[topic.pk])).status_code == 403
    assert Escalation.objects.count() == 0


# Idea statuses: tests/ideas (only named decision owners decide).


def test_rep_label_links_to_how_it_works(client, topic, rep):
    actions.reply_to_topic(rep, topic, body="Happy to help.")

    page = client.get(topic.get_absolute_url()).content.decode()

    assert "Brevetto · peer resource" in page
    assert "/how-it-works/#brand-representatives" in page


def test_mention_of_a_rep_carries_the_label(topic, member, rep):
    post = actions.reply_to_topic(member, topic, body="Maybe @marco knows?")

    assert 'class="mention"' in post.body_html
    assert (
        '<span class="mention-label">Brevetto · peer resource</span>' in post.body_html
    )
