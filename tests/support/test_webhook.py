"""Escalations handed to a real support desk over HTTP (a server on 127.0.0.1
started by the test): signed on Hearth's side and verified on the desk's,
retried after a 500, one ticket however often it is tried, timed out."""

import threading
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from forum import actions as forum_actions
from support.actions import DeliveryFailed, deliver_escalation, outbound_payload
from support.models import Delivery, DeliveryStatus, Ticket
from support.signing import sign, verify
from support.tasks import deliver_escalation as deliver_task
from support.tasks import sweep_deliveries
from tests.support.conftest import SECRET

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _webhook(settings):
    settings.ESCALATION_BACKEND = "webhook"
    settings.SUPPORT_DELIVERY_MAX_ATTEMPTS = 4


@pytest.fixture(autouse=True)
def _eager_retries():
    """Eager apply() runs a task's retries at once, in order, as a worker
    would after each backoff; a retry must not surface as an exception."""
    conf = deliver_task.app.conf
    before = conf.task_eager_propagates
    conf.task_eager_propagates = False
    yield
    conf.task_eager_propagates = before


def _escalate(scene, django_capture_on_commit_callbacks, note="Pump replacement."):
    with django_capture_on_commit_callbacks() as callbacks:
        escalation = forum_actions.escalate_to_support(
            scene["rep"], scene["topic"], note=note
        )
    assert callbacks, "the delivery is queued after commit"
    return escalation, Delivery.objects.get(ticket__escalation=escalation)


def test_signature_round_trips_between_both_implementations():
    body = b'{"a": 1}'
    signature = sign(SECRET, "1700000000", body)

    assert verify(SECRET, "1700000000", body, signature)
    assert not verify(SECRET, "1700000001", body, signature)
    assert not verify("other", "1700000000", body, signature)
    assert not verify("", "1700000000", body, signature)


def test_retries_after_a_500_and_the_desk_opens_exactly_one_ticket(
    scene, desk, django_capture_on_commit_callbacks
):
    desk.script = [500, 200]
    escalation, delivery = _escalate(scene, django_capture_on_commit_callbacks)

    # Eager apply() runs the task's automatic retry at once (no countdown).
    result = deliver_task.apply(args=(delivery.pk,))

    assert result.get() == DeliveryStatus.DELIVERED
    assert len(desk.received) == 2
    assert all(request.signature_ok for request in desk.received)
    keys = {request.headers["Idempotency-Key"] for request in desk.received}
    ticket = Ticket.objects.get(escalation=escalation)
    assert keys == {str(ticket.idempotency_key)}
    assert desk.tickets == {str(ticket.idempotency_key): "T-1"}  # one ticket
    assert ticket.desk_ticket_id == "T-1"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 2
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 200]
    assert delivery.last_error == ""
    assert delivery.delivered_at is not None
    # Run again (a redelivered message, the sweep): nothing more is sent.
    assert deliver_task.apply(args=(delivery.pk,)).get() == DeliveryStatus.DELIVERED
    assert len(desk.received) == 2


def test_the_payload_carries_what_the_asker_posted_publicly_and_nothing_private(
    scene, desk, django_capture_on_commit_callbacks
):
    escalation, delivery = _escalate(scene, django_capture_on_commit_callbacks)

    deliver_escalation(delivery.pk)

    (request,) = desk.received
    assert request.signature_ok
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Hearth-Event"] == "escalation.created"
    payload = request.json
    topic = scene["topic"]
    assert payload == outbound_payload(Ticket.objects.get(escalation=escalation))
    assert payload["reference"] == escalation.reference
    assert payload["topic"] == {
        "id": topic.pk,
        "title": "Duo pump hums but no water",
        "url": f"https://forum.example{topic.get_absolute_url()}",
        "category": "Machines",
    }
    assert payload["asker"] == {"public_name": topic.author_name}
    assert payload["escalated_by"]["public_name"] == scene["rep"].name
    assert payload["note"] == "Pump replacement."
    assert payload["callback_url"] == "https://forum.example" + reverse(
        "support:desk_callback", args=["brevetto"]
    )
    assert scene["asker"].email not in request.body.decode()


def test_a_desk_that_keeps_failing_is_given_up_on_and_recorded(
    scene, desk, django_capture_on_commit_callbacks
):
    desk.script = [503, 503, 503, 503]
    _escalation, delivery = _escalate(scene, django_capture_on_commit_callbacks)

    result = deliver_task.apply(args=(delivery.pk,))

    assert result.get() == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    assert delivery.attempts == 4  # SUPPORT_DELIVERY_MAX_ATTEMPTS
    assert delivery.last_status_code == 503
    assert delivery.last_error.startswith("HTTP 503")
    assert len(desk.tickets) == 1  # every attempt was the same ticket


def test_a_refusal_from_the_desk_is_not_retried(
    scene, desk, django_capture_on_commit_callbacks
):
    desk.script = [422]
    _escalation, delivery = _escalate(scene, django_capture_on_commit_callbacks)

    assert deliver_escalation(delivery.pk) == DeliveryStatus.FAILED
    assert len(desk.received) == 1


def test_a_desk_that_does_not_answer_times_out(
    scene, desk, settings, django_capture_on_commit_callbacks
):
    settings.SUPPORT_WEBHOOK_TIMEOUT = 1
    desk.hold = threading.Event()
    _escalation, delivery = _escalate(scene, django_capture_on_commit_callbacks)

    with pytest.raises(DeliveryFailed):
        deliver_escalation(delivery.pk)

    desk.hold.set()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING  # the task retries it
    assert delivery.attempts == 1
    assert delivery.last_status_code is None
    assert "timed out" in delivery.last_error.lower()


def test_a_wrong_secret_fails_the_desks_check(
    scene, desk, django_capture_on_commit_callbacks
):
    scene["desk"].webhook_secret = "not-the-desks-secret"
    scene["desk"].save()
    _escalation, delivery = _escalate(scene, django_capture_on_commit_callbacks)

    assert deliver_escalation(delivery.pk) == DeliveryStatus.FAILED  # a 401
    assert [r.signature_ok for r in desk.received] == [False]
    assert desk.tickets == {}


def test_a_brand_without_a_webhook_is_recorded_as_failed_without_a_request(
    scene, desk, django_capture_on_commit_callbacks
):
    scene["desk"].webhook_url = ""
    scene["desk"].save()
    _escalation, delivery = _escalate(scene, django_capture_on_commit_callbacks)

    assert deliver_escalation(delivery.pk) == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    assert "no support desk webhook" in delivery.last_error
    assert desk.received == []


def test_the_sweep_queues_deliveries_whose_task_was_lost(
    scene, desk, django_capture_on_commit_callbacks
):
    _escalation, delivery = _escalate(scene, django_capture_on_commit_callbacks)
    Delivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )

    assert sweep_deliveries.apply().get() == 1


def test_without_a_worker_a_failed_attempt_waits_for_an_admin_not_the_request(
    scene, desk, settings, django_capture_on_commit_callbacks
):
    """No REDIS_URL: tasks run in the web process; retrying there would hold
    the request through every backoff."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    desk.script = [500, 500, 500]
    _escalation, delivery = _escalate(scene, django_capture_on_commit_callbacks)

    assert deliver_task.apply(args=(delivery.pk,)).get() == "pending"

    assert len(desk.received) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
