"""'Confirmed by <brand>': a label under a member's answer that never changes,
hides, reorders or outranks it; the member keeps the credit; withdrawing is
public too."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from forum import actions
from forum.models import CategoryKind
from notifications.models import Event, Notification, NotificationKind
from notifications.tasks import dispatch_event
from permissions import policy
from permissions.policy import Perm
from recognition.actions import confirm_answer, recompute_awards, withdraw_confirmation
from recognition.models import Award, AwardKind, Confirmation, ConfirmationEntry
from tests.factories import (
    make_admin,
    make_brand,
    make_brand_rep,
    make_category,
    make_moderator,
    make_post,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

ANSWER = "Backflush with plain water after every session."


@pytest.fixture
def world():
    category = make_category("Espresso", slug="espresso", kind=CategoryKind.QUESTIONS)
    asker = make_user("asker")
    helper = make_user("helper")
    question = make_topic(category, asker, title="How often should I backflush?")
    answer = make_post(question, helper, body=ANSWER)
    later = make_post(question, make_user("other"), body="Once a week with detergent.")
    return {
        "category": category,
        "asker": asker,
        "helper": helper,
        "question": question,
        "answer": answer,
        "later": later,
        "rep": make_brand_rep("marco"),
    }


def _dispatch():
    for event in Event.objects.filter(dispatched_at__isnull=True).order_by("pk"):
        dispatch_event(event.pk)


def test_a_rep_confirms_a_members_answer_under_it_and_the_member_keeps_the_credit(
    world, client
):
    rep, answer, question = world["rep"], world["answer"], world["question"]
    actions.accept_answer(world["asker"], answer)
    before = client.get(question.get_absolute_url()).content.decode()

    confirm_answer(rep, answer, note="This is what our manual says too.")
    _dispatch()

    page = client.get(question.get_absolute_url()).content.decode()
    # The label comes after the member's words, which are unchanged, and the
    # posts keep their order.
    assert page.index(ANSWER) < page.index("Confirmed by Brevetto")
    assert page.index(ANSWER) < page.index("Once a week with detergent")
    assert "This is what our manual says too." in page
    assert before.count(ANSWER) == page.count(ANSWER)
    answer.refresh_from_db()
    assert answer.body_source == ANSWER and answer.author == world["helper"]
    # The member keeps every credit; the brand earns nothing.
    recompute_awards(None)
    assert Award.objects.filter(user=world["helper"], kind=AwardKind.ACCEPTED_ANSWER)
    assert not Award.objects.filter(user=rep).exists()
    notification = Notification.objects.get(
        recipient=world["helper"], kind=NotificationKind.ANSWER_CONFIRMED
    )
    assert "marco confirmed your answer for Brevetto" in notification.text


def test_withdrawing_is_public(world, client):
    rep, answer, question = world["rep"], world["answer"], world["question"]
    confirm_answer(rep, answer)
    colleague = make_brand_rep("luca")

    withdraw_confirmation(colleague, answer, note="Newer firmware changed this.")
    _dispatch()

    page = client.get(question.get_absolute_url()).content.decode()
    assert "Brevetto confirmation withdrawn" in page
    assert "by luca" in page and "Newer firmware changed this." in page
    assert ANSWER in page
    record = client.get(reverse("recognition:confirmations")).content.decode()
    assert "Confirmed by Brevetto (marco)" in record
    assert "Brevetto confirmation withdrawn by luca" in record
    assert ConfirmationEntry.objects.count() == 2
    texts = list(
        Notification.objects.filter(recipient=world["helper"]).values_list(
            "text", flat=True
        )
    )
    assert any("withdrew Brevetto's confirmation" in text for text in texts)


def test_who_may_confirm_and_withdraw(world):
    answer, rep = world["answer"], world["rep"]
    for actor in (
        world["asker"],
        world["helper"],
        make_moderator(world["category"], "mira"),
        make_admin("ines"),
    ):
        assert not policy.can(actor, Perm.CONFIRM_ANSWER, answer)
        with pytest.raises(PermissionDenied):
            confirm_answer(actor, answer)
    # Not the question, not a representative's own post.
    assert not policy.can(rep, Perm.CONFIRM_ANSWER, world["question"].first_post)
    rep_post = make_post(world["question"], rep, body="Our guidance, for reference.")
    assert not policy.can(rep, Perm.CONFIRM_ANSWER, rep_post)

    confirmation = confirm_answer(rep, answer)
    other_brand_rep = make_user("otto", role="brand_rep", brand=make_brand("Other"))
    confirmation = Confirmation.objects.select_related("post__topic__category").get(
        pk=confirmation.pk
    )
    assert policy.can(make_brand_rep("luca"), Perm.WITHDRAW_CONFIRMATION, confirmation)
    for actor in (world["helper"], make_admin("ada"), other_brand_rep):
        assert not policy.can(actor, Perm.WITHDRAW_CONFIRMATION, confirmation)
        with pytest.raises(PermissionDenied):
            withdraw_confirmation(actor, answer)


def test_confirm_page_refuses_a_long_note_with_the_text_kept(world, client):
    client.force_login(world["rep"])
    url = reverse("recognition:confirm", args=[world["answer"].pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"note": "n" * 301})

    assert response.status_code == 400
    assert "n" * 301 in response.content.decode()
    assert not Confirmation.objects.exists()

    response = client.post(url, {"note": "Matches our service manual."})
    assert response.status_code == 302
    assert Confirmation.objects.get().note == "Matches our service manual."


def test_members_see_no_confirm_button_and_get_a_403(world, client):
    client.force_login(world["helper"])
    page = client.get(world["question"].get_absolute_url()).content.decode()
    assert "Confirm for" not in page

    response = client.post(
        reverse("recognition:confirm", args=[world["answer"].pk]), {"note": ""}
    )
    assert response.status_code == 403
