"""Peers first: a question goes to the brand only when nobody in the community
answered it within its category's window; the clock is driven by passing
`now`, never by sleeping."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from forum import actions
from forum.models import BrandRequest, CategoryKind, RequestReason
from notifications.models import Event, Notification, NotificationKind
from notifications.tasks import dispatch_event
from tests.factories import (
    make_brand_rep,
    make_category,
    make_moderator,
    make_post,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def help_desk():
    return make_category("Help", slug="help", kind=CategoryKind.QUESTIONS)


@pytest.fixture
def rep():
    return make_brand_rep("marco")


@pytest.fixture
def asker():
    return make_user("asker")


def _rep_notifications(rep):
    for event in Event.objects.filter(dispatched_at__isnull=True).order_by("pk"):
        dispatch_event(event.pk)
    return list(
        Notification.objects.filter(
            recipient=rep, kind=NotificationKind.BRAND_REQUEST
        ).values_list("text", flat=True)
    )


def test_a_question_answered_by_a_peer_in_time_never_reaches_a_representative(
    help_desk, rep, asker, settings
):
    settings.PEER_FIRST_HOURS = 12
    question = make_topic(help_desk, asker, title="Why is my shot sour?")
    actions.reply_to_topic(asker, question, body="Forgot: it's a light roast.")
    make_post(question, make_user("peer"), body="Grind finer, raise the temperature.")

    for hours in (11, 13, 48, 24 * 6):
        routed = actions.route_unanswered_questions(
            now=question.created_at + timedelta(hours=hours)
        )
        assert routed == 0

    assert not BrandRequest.objects.exists()
    assert _rep_notifications(rep) == []


def test_an_unanswered_question_reaches_representatives_once_after_the_window(
    help_desk, rep, asker, settings, client
):
    settings.PEER_FIRST_HOURS = 12
    question = make_topic(help_desk, asker, title="Pump hums but no water")
    # The asker's own follow-up and a representative's words are not a peer answer.
    actions.reply_to_topic(asker, question, body="Tank is full, I checked.")
    start = question.created_at

    assert actions.route_unanswered_questions(now=start + timedelta(hours=11)) == 0
    assert not BrandRequest.objects.exists()

    assert actions.route_unanswered_questions(now=start + timedelta(hours=12)) == 1
    assert actions.route_unanswered_questions(now=start + timedelta(hours=13)) == 0
    assert actions.route_unanswered_questions(now=start + timedelta(days=3)) == 0

    request = BrandRequest.objects.get()
    assert request.reason == RequestReason.PEER_FIRST
    assert request.requested_by is None
    assert request.waited_for_peers == timedelta(hours=12)
    texts = _rep_notifications(rep)
    assert len(texts) == 1 and "No community answer yet" in texts[0]

    client.force_login(rep)
    page = client.get(reverse("forum:brand_queue")).content.decode()
    assert "Pump hums but no water" in page
    assert "No community answer after 12 hours" in page


def test_the_category_window_overrides_the_site_default(help_desk, rep, asker):
    help_desk.peer_first_hours = 2
    help_desk.save()
    question = make_topic(help_desk, asker, title="Steam wand sputters")

    assert (
        actions.route_unanswered_questions(now=question.created_at + timedelta(hours=2))
        == 1
    )

    help_desk.peer_first_hours = 0  # never routed
    help_desk.save()
    other = make_topic(help_desk, asker, title="Drip tray overflows")
    assert (
        actions.route_unanswered_questions(now=other.created_at + timedelta(days=2))
        == 0
    )


def test_a_representatives_reply_or_a_hidden_peer_reply_is_not_a_peer_answer(
    help_desk, rep, asker
):
    question = make_topic(help_desk, asker, title="Portafilter leaks at the gasket")
    make_post(question, rep, body="Which model is it?")

    # The brand already spoke in the topic: it is not routed to it again.
    assert (
        actions.route_unanswered_questions(
            now=question.created_at + timedelta(hours=13)
        )
        == 0
    )


def test_an_explicit_request_is_immediate_and_not_routed_again(
    help_desk, rep, asker, client
):
    question = make_topic(help_desk, asker, title="Warranty on a cracked boiler?")

    actions.ask_brand(asker, question, rep.brand)

    assert _rep_notifications(rep)  # told at once, no window
    request = BrandRequest.objects.get()
    assert request.reason == RequestReason.MEMBER
    assert (
        actions.route_unanswered_questions(
            now=question.created_at + timedelta(hours=13)
        )
        == 0
    )
    assert BrandRequest.objects.count() == 1
    client.force_login(rep)
    page = client.get(reverse("forum:brand_queue")).content.decode()
    assert "Asked by asker after 0 minutes waiting for a peer" in page


def test_a_moderator_routes_a_topic_and_members_and_reps_may_not(
    help_desk, rep, asker, client
):
    moderator = make_moderator(help_desk, "mira")
    question = make_topic(help_desk, asker, title="Descaling voids the warranty?")

    with pytest.raises(PermissionDenied):
        actions.route_to_brand(asker, question, rep.brand)
    with pytest.raises(PermissionDenied):
        actions.route_to_brand(rep, question, rep.brand)

    client.force_login(moderator)
    response = client.post(
        reverse("forum:route_to_brand", args=[question.pk]),
        {"brand": rep.brand.pk, "note": "Only Brevetto can say."},
        follow=True,
    )
    assert response.status_code == 200
    request = BrandRequest.objects.get()
    assert request.reason == RequestReason.MODERATOR
    assert _rep_notifications(rep)
    client.force_login(rep)
    page = client.get(reverse("forum:brand_queue")).content.decode()
    assert "Routed by a moderator" in page
    assert "mira" not in page  # moderators' names stay private


def test_route_form_with_a_long_note_is_refused_with_a_message(
    help_desk, rep, asker, client
):
    moderator = make_moderator(help_desk, "mira")
    question = make_topic(help_desk, asker, title="Grinder motor stalls")
    client.force_login(moderator)

    response = client.post(
        reverse("forum:route_to_brand", args=[question.pk]),
        {"brand": rep.brand.pk, "note": "x" * 301},
        follow=True,
    )

    assert response.status_code == 200
    assert "Choose which brand" in response.content.decode()
    assert not BrandRequest.objects.exists()


def test_a_representative_answers_a_routed_question_over_http(
    help_desk, rep, asker, settings, client
):
    """A request routing opened has nobody who asked: the representative's
    reply answers it, the asker hears of it as the topic's author, and the
    reply is on the page for everyone."""
    settings.PEER_FIRST_HOURS = 12
    question = make_topic(help_desk, asker, title="Grinder stalls on light roasts")
    assert (
        actions.route_unanswered_questions(
            now=question.created_at + timedelta(hours=13)
        )
        == 1
    )
    client.force_login(rep)
    response = client.post(
        reverse("forum:reply", args=[question.pk]),
        {"body": "Known on early burrs: support swaps them, quote your serial."},
    )

    assert response.status_code == 302
    request = BrandRequest.objects.get(topic=question)
    assert request.answered_by == rep
    page = client.get(question.get_absolute_url()).content.decode()
    assert "support swaps them" in page
    for event in Event.objects.filter(dispatched_at__isnull=True).order_by("pk"):
        dispatch_event(event.pk)
    assert Notification.objects.filter(
        recipient=asker, kind=NotificationKind.REPLIED, topic=question
    ).exists()
