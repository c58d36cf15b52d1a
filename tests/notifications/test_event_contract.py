"""The event contract: one vocabulary, typed payloads, a plan for every kind,
per-transaction batches, folding, explicit cache bumps and retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import checks, mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.actions import assign_moderator, unassign_moderator
from accounts.models import User
from forum import actions
from forum import cache as page_cache
from forum.models import CategoryKind
from moderation.actions.flags import flag_post, request_review
from moderation.actions.sanctions import sanction_user
from moderation.models import Flag
from notifications import fanout
from notifications.emails import deliver_email
from notifications.events import (
    PAYLOADS,
    FlagCreated,
    PostCreated,
    ToUsers,
    check_payload,
    emit,
)
from notifications.fanout import REGISTRY, Planned, RecordedOnly, unregistered_kinds
from notifications.models import (
    Delivery,
    Event,
    EventKind,
    Notification,
    NotificationKind,
)
from notifications.tasks import dispatch_event, prune_old_events
from tests.factories import (
    make_brand_rep,
    make_category,
    make_moderator,
    make_post,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db


def _dispatch_all() -> None:
    for event_id in Event.objects.filter(dispatched_at__isnull=True).values_list(
        "pk", flat=True
    ):
        dispatch_event(event_id)


def _send_all() -> None:
    for delivery_id in Delivery.objects.filter(
        channel=Delivery.Channel.EMAIL, status=Delivery.Status.PENDING
    ).values_list("pk", flat=True):
        deliver_email(delivery_id)


# --- The vocabulary and the registry ----------------------------------------------------------


def test_every_kind_has_a_payload_type_and_a_plan_or_a_reason():
    assert unregistered_kinds() == []
    for kind in EventKind:
        spec = REGISTRY[kind]
        assert isinstance(spec, Planned | RecordedOnly)
        if isinstance(spec, RecordedOnly):
            assert spec.reason.strip(), kind
        else:
            assert spec.who.strip(), kind
        assert kind in PAYLOADS


def test_a_kind_without_plan_or_declaration_is_caught(monkeypatch):
    """What adding a kind to EventKind and forgetting REGISTRY looks like."""
    registry = dict(REGISTRY)
    del registry[EventKind.IDEA_STATUS_SET]
    monkeypatch.setattr(fanout, "REGISTRY", registry)

    assert unregistered_kinds() == [EventKind.IDEA_STATUS_SET]
    errors = [m for m in checks.run_checks() if m.id == "notifications.E001"]
    assert len(errors) == 1 and "idea.status_set" in errors[0].msg


def test_recorded_only_kind_notifies_nobody(monkeypatch, topic, other_member):
    registry = dict(REGISTRY)
    registry[EventKind.POST_LIKED] = RecordedOnly("kept for the record")
    monkeypatch.setattr(fanout, "REGISTRY", registry)

    actions.like_post(other_member, topic.first_post)
    _dispatch_all()

    assert not Notification.objects.exists()
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()


# --- emit() takes an EventKind and a payload of the kind's type -------------------------------


def test_emit_refuses_a_bare_string_kind(topic):
    with transaction.atomic(), pytest.raises(TypeError, match="EventKind"):
        emit("post.liked", actor=topic.author, topic=topic, post=topic.first_post)  # type: ignore[arg-type]
    assert not Event.objects.filter(kind="post.liked").exists()


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"quoted_post_ids": [], "official": False, "mentioned_ids": []}, "missing"),
        (
            {
                "reply_to_post_id": None,
                "quoted_post_ids": [],
                "official": False,
                "mentioned_ids": [],
                "surprise": 1,
            },
            "unexpected",
        ),
        (
            {
                "reply_to_post_id": True,  # a bool is not a post id
                "quoted_post_ids": [],
                "official": False,
                "mentioned_ids": [],
            },
            "reply_to_post_id",
        ),
        (
            {
                "reply_to_post_id": None,
                "quoted_post_ids": ["7"],
                "official": False,
                "mentioned_ids": [],
            },
            "quoted_post_ids",
        ),
    ],
)
def test_emit_checks_the_payload_against_the_kinds_type(topic, payload, message):
    with pytest.raises(TypeError, match=message):
        emit(EventKind.POST_CREATED, payload, topic=topic)
    assert not Event.objects.filter(kind="post.created").exists()


def test_payload_constructors_pass_the_check():
    check_payload(
        EventKind.POST_CREATED,
        PostCreated(
            reply_to_post_id=3, quoted_post_ids=[1], official=True, mentioned_ids=[]
        ),
    )
    check_payload(EventKind.USER_MENTIONED, ToUsers(user_ids=[1, 2]))
    check_payload(
        EventKind.FLAG_CREATED,
        FlagCreated(
            flag_id=1, category_id=2, flag_kind="spam", weight=0, from_brand_rep=True
        ),
    )
    with pytest.raises(TypeError):
        check_payload(EventKind.USER_MENTIONED, {"user_ids": None})


# --- Batches: one transaction, one plan ----------------------------------------------------


def test_events_of_one_action_share_a_batch_and_actions_do_not(topic, other_member):
    make_user("lena")
    actions.reply_to_topic(other_member, topic, body="@lena have a look")
    actions.like_post(other_member, topic.first_post)

    reply_batch = set(
        Event.objects.filter(kind__in=["post.created", "user.mentioned"]).values_list(
            "batch", flat=True
        )
    )
    like_batch = Event.objects.get(kind="post.liked").batch
    assert len(reply_batch) == 1 and None not in reply_batch
    assert like_batch not in reply_batch


def test_mention_beats_watching(topic, other_member):
    watcher = make_user("lena")
    actions.reply_to_topic(watcher, topic, body="I watch this now.")  # auto-watch
    _dispatch_all()
    Notification.objects.all().delete()

    actions.reply_to_topic(other_member, topic, body="@lena see above")
    _dispatch_all()

    assert [n.kind for n in Notification.objects.filter(recipient=watcher)] == [
        NotificationKind.MENTIONED
    ]


def test_brand_answer_is_one_notification_whatever_the_dispatch_order(topic):
    rep = make_brand_rep("marco")
    actions.ask_brand(topic.author, topic, rep.brand)
    _dispatch_all()
    Notification.objects.all().delete()
    mail.outbox.clear()

    actions.reply_to_topic(rep, topic, body="Use the descaler 1:10.")
    answered = Event.objects.get(kind="brand.answered")
    created = Event.objects.get(kind="post.created", post=answered.post)
    # The sweep may enqueue any member of the batch first, and twice.
    dispatch_event(answered.pk)
    dispatch_event(created.pk)
    Event.objects.filter(pk=created.pk).update(dispatched_at=None)  # as if a retry
    dispatch_event(created.pk)
    _send_all()

    mine = Notification.objects.filter(recipient=topic.author)
    assert [n.kind for n in mine] == [NotificationKind.BRAND_ANSWERED]
    assert [m.to for m in mail.outbox] == [[topic.author.email]]
    assert Event.objects.get(pk=created.pk).attempts == 2


# --- Folding likes and flags -----------------------------------------------------------------


def test_two_likes_read_one_other_not_one_others(post):
    actions.like_post(make_user("ada"), post)
    actions.like_post(make_user("teodor", display_name="Teodor Lind"), post)
    _dispatch_all()

    notification = Notification.objects.get(recipient=post.author, kind="liked")
    assert notification.count == 2
    assert notification.text.startswith("Teodor Lind and 1 other liked your post")
    assert "1 others" not in notification.text


def test_twenty_flags_on_a_post_are_one_unread_notification_and_one_email(
    settings, post, moderator
):
    settings.FORUM_FLAG_HIDE_THRESHOLD = 1000
    _dispatch_all()  # the reply itself
    Notification.objects.all().delete()
    Delivery.objects.all().delete()
    for i in range(20):
        flag_post(make_user(f"flagger{i}"), post, kind="spam")
        _dispatch_all()
    _send_all()

    told = Notification.objects.filter(recipient=moderator)
    assert [(n.kind, n.count) for n in told] == [(NotificationKind.FLAGGED, 20)]
    assert "20 flags to review" in told[0].text
    assert told[0].actor_name == ""  # flaggers are named in the queue only
    assert [m.to for m in mail.outbox] == [[moderator.email]]


def test_brand_representatives_flags_go_to_unaffiliated_moderators_only(
    settings, category, post, moderator
):
    settings.FORUM_FLAG_HIDE_THRESHOLD = 1000
    rep = make_brand_rep("marco")
    linked = make_moderator(category, "linked")
    # A moderator still linked to a brand (a stray import): not unaffiliated.
    User.objects.filter(pk=linked.pk).update(brand=rep.brand)
    _dispatch_all()  # the reply itself
    Notification.objects.all().delete()

    flag_post(rep, post, kind="spam")
    _dispatch_all()
    after_rep = set(Notification.objects.values_list("recipient_id", flat=True))
    flag_post(make_user("member"), post, kind="spam")
    _dispatch_all()
    after_member = set(Notification.objects.values_list("recipient_id", flat=True))

    assert after_rep == {moderator.pk}
    assert after_member == {moderator.pk, linked.pk}


# --- Explicit cache bumps, domain facts on domain rows ---------------------------------------


def test_changes_without_recipients_emit_nothing_but_invalidate_pages(
    other_member, member
):
    questions = make_category("Help", slug="help", kind=CategoryKind.QUESTIONS)
    question = make_topic(questions, member, title="Which descaler is safe?")
    answer = make_post(question, other_member, body="Citric acid.")
    actions.accept_answer(member, answer)
    actions.like_post(member, answer)
    events = Event.objects.count()

    for change in (
        lambda: actions.edit_post(other_member, answer, body="Citric acid, 1:10."),
        lambda: actions.unlike_post(member, answer),
        lambda: actions.unaccept_answer(member, question),
        lambda: actions.delete_post(other_member, answer),
    ):
        before = page_cache.generation()
        change()
        assert page_cache.generation() > before

    assert Event.objects.count() == events


def test_assigning_a_moderator_invalidates_pages(category, admin_user, member):
    # ModeratorAssignment has no cache signal; the roster lists moderators.
    before = page_cache.generation()
    assign_moderator(admin_user, member, category)
    middle = page_cache.generation()
    unassign_moderator(admin_user, member, category)

    assert before < middle < page_cache.generation()


def test_review_request_is_a_fact_on_the_flags_not_an_event(settings, post):
    settings.FORUM_FLAG_HIDE_THRESHOLD = 1
    flag_post(make_user("flagger"), post, kind="spam")
    post.refresh_from_db()

    request_review(post.author, post)
    Event.objects.all().delete()  # retention may prune events any time

    assert Flag.objects.get().review_requested_at is not None
    with pytest.raises(ValidationError) as refused:
        request_review(post.author, post)
    assert refused.value.code == "duplicate"


# --- Retention -------------------------------------------------------------------------------


def test_prune_removes_old_dispatched_events_and_finished_deliveries_only(
    settings, topic, other_member
):
    settings.NOTIFICATIONS_RETENTION_DAYS = 90
    for i in range(3):
        actions.reply_to_topic(other_member, topic, body=f"Old reply {i}")
    _dispatch_all()
    _send_all()
    old = timezone.now() - timedelta(days=91)
    Event.objects.update(created_at=old)
    Delivery.objects.update(updated_at=old)
    # Still owed: an old email still pending (and below, an old event never
    # dispatched).
    owed = Delivery.objects.filter(channel=Delivery.Channel.EMAIL).first()
    assert owed is not None
    Delivery.objects.filter(pk=owed.pk).update(status=Delivery.Status.PENDING)
    # Recent: kept.
    actions.reply_to_topic(other_member, topic, body="A fresh reply")
    _dispatch_all()
    undispatched = Event.objects.create(kind=EventKind.POST_LIKED, topic=topic)
    Event.objects.filter(pk=undispatched.pk).update(created_at=old)
    notifications = Notification.objects.count()

    removed = prune_old_events(batch_size=2)

    assert removed > 0
    assert Notification.objects.count() == notifications  # the notifications stay
    remaining = set(Event.objects.values_list("pk", flat=True))
    assert undispatched.pk in remaining
    assert owed.event_id in remaining
    assert Event.objects.filter(created_at__gt=old).exists()
    assert (
        not Event.objects.filter(created_at=old, dispatched_at__isnull=False)
        .exclude(pk=owed.event_id)
        .exists()
    )
    assert not Delivery.objects.filter(
        updated_at=old, status__in=["sent", "skipped", "failed"]
    ).exists()
    assert Delivery.objects.filter(pk=owed.pk).exists()
    assert Notification.objects.filter(event__isnull=True).exists()


def test_a_member_suspended_over_a_post_is_told(moderator, post):
    """users_who_can_view_topic leaves suspended accounts out; the notice of
    the suspension itself must still reach them (with the appeal link)."""
    for event_id in Event.objects.values_list("pk", flat=True):
        dispatch_event(event_id)
    Notification.objects.all().delete()

    sanction_user(
        moderator,
        post.author,
        kind="suspension",
        rule=None,
        reason="Insults after a warning.",
        duration=timedelta(days=3),
        post=post,
    )
    _dispatch_all()
    mail.outbox.clear()
    _send_all()

    assert list(Notification.objects.values_list("recipient_id", "kind")) == [
        (post.author_id, NotificationKind.MODERATION)
    ]
    assert [m.to for m in mail.outbox] == [[post.author.email]]
