"""Outgoing webhooks against a real receiver on 127.0.0.1 (the support
tests' desk server, which checks signatures with its own HMAC code):
wired to the outbox, signed, retried after a 500, logged, public only."""

import json

import pytest

from api.models import Webhook, WebhookDelivery, WebhookDeliveryStatus
from api.tasks import deliver_webhook as deliver_task
from notifications.models import Event
from notifications.tasks import dispatch_event
from support.actions import escalate_to_support
from tests.factories import (
    make_admin,
    make_brand_rep,
    make_category,
    make_group,
    make_post,
    make_topic,
    make_user,
)
from tests.support.desk import Desk

pytestmark = pytest.mark.django_db
SECRET = "webhook-shared-secret"


@pytest.fixture
def receiver():
    server = Desk(secret=SECRET)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.SITE_URL = "https://forum.example"
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    conf = deliver_task.app.conf
    before = conf.task_eager_propagates
    conf.task_eager_propagates = False
    yield
    conf.task_eager_propagates = before


@pytest.fixture
def hook(receiver):
    return Webhook.objects.create(
        name="Team chat",
        url=receiver.url,
        secret=SECRET,
        events=["topic.created", "post.created", "escalation.opened"],
    )


def _dispatch_all(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        for event_id in Event.objects.filter(dispatched_at__isnull=True).values_list(
            "pk", flat=True
        ):
            dispatch_event(event_id)


def test_a_new_topic_is_signed_sent_retried_after_a_500_and_logged(
    hook, receiver, django_capture_on_commit_callbacks
):
    topic = make_topic(
        make_category("Espresso", slug="espresso"),
        make_user("ada"),
        title="Dialing in a new grinder",
    )
    _dispatch_all(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(kind="topic.created")
    receiver.script = [500, 200]

    assert deliver_task.apply(args=(delivery.pk,)).get() == "delivered"

    assert len(receiver.received) == 2
    assert all(request.signature_ok for request in receiver.received)
    first = receiver.received[0]
    assert first.headers["X-Hearth-Event"] == "topic.created"
    assert first.headers["Idempotency-Key"] == str(delivery.idempotency_key)
    payload = first.json
    assert payload["type"] == "topic.created"
    assert payload["topic"]["title"] == "Dialing in a new grinder"
    assert payload["topic"]["url"] == "https://forum.example" + topic.get_absolute_url()
    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.DELIVERED
    assert delivery.attempts == 2
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 200]
    # Dispatching again (the sweep) adds nothing; sending again sends nothing.
    _dispatch_all(django_capture_on_commit_callbacks)
    assert WebhookDelivery.objects.filter(kind="topic.created").count() == 1
    assert deliver_task.apply(args=(delivery.pk,)).get() == "delivered"
    assert len(receiver.received) == 2


def test_a_refusal_fails_at_once_and_repeated_errors_give_up(
    hook, receiver, django_capture_on_commit_callbacks
):
    make_topic(make_category(), make_user())
    _dispatch_all(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    receiver.script = [503, 503, 503, 503]

    assert deliver_task.apply(args=(delivery.pk,)).get() == "failed"

    delivery.refresh_from_db()
    assert delivery.attempts == 3  # WEBHOOK_MAX_ATTEMPTS
    assert delivery.last_error.startswith("HTTP 503")


def test_a_reply_and_an_escalation_carry_public_facts_only(
    hook, receiver, django_capture_on_commit_callbacks, settings
):
    settings.ESCALATION_BACKEND = "none"
    topic = make_topic(make_category(), make_user("ada"))
    make_post(topic, make_user("bea"), body="Try a finer **grind**.")
    escalate_to_support(make_brand_rep("marco"), topic, note="Private desk note")
    _dispatch_all(django_capture_on_commit_callbacks)

    bodies = {d.kind: json.loads(d.body) for d in WebhookDelivery.objects.all()}

    assert set(bodies) == {"topic.created", "post.created", "escalation.opened"}
    assert bodies["post.created"]["post"]["body_markdown"] == "Try a finer **grind**."
    assert bodies["post.created"]["post"]["author"] == "bea"
    assert bodies["escalation.opened"]["escalation"] == {"brand": "brevetto"}
    assert "Private desk note" not in json.dumps(bodies)


def test_private_and_group_categories_are_never_sent(
    hook, receiver, django_capture_on_commit_callbacks
):
    beta = make_group("Beta testers")
    lab = make_category("Beta lab", slug="beta-lab", restricted_to=beta)
    make_topic(lab, make_admin("root"), title="Firmware secrets")
    _dispatch_all(django_capture_on_commit_callbacks)

    assert not WebhookDelivery.objects.exists()


def test_only_subscribed_kinds_and_active_hooks(
    receiver, django_capture_on_commit_callbacks
):
    Webhook.objects.create(
        name="Ideas", url=receiver.url, secret=SECRET, events=["idea.decided"]
    )
    Webhook.objects.create(
        name="Off",
        url=receiver.url,
        secret=SECRET,
        events=["topic.created"],
        is_active=False,
    )
    make_topic(make_category(), make_user())
    _dispatch_all(django_capture_on_commit_callbacks)

    assert not WebhookDelivery.objects.exists()


def test_the_admin_sets_a_webhook_and_reads_its_deliveries(
    client, hook, receiver, django_capture_on_commit_callbacks
):
    make_topic(make_category(), make_user())
    _dispatch_all(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    receiver.script = [200]
    deliver_task.apply(args=(delivery.pk,))
    admin = make_admin("root")
    admin.is_superuser = True  # every model permission, as createsuperuser makes
    admin.save(update_fields=["is_superuser"])
    client.force_login(admin)

    added = client.post(
        "/admin/api/webhook/add/",
        {
            "name": "Ideas feed",
            "url": "hooks.example/ideas",
            "secret": "s3",
            "events": ["idea.decided"],
            "is_active": "on",
        },
    )
    page = client.get(f"/admin/api/webhookdelivery/{delivery.pk}/change/")

    assert added.status_code == 302
    assert Webhook.objects.get(name="Ideas feed").url == "https://hooks.example/ideas"
    assert page.status_code == 200
    assert "delivered" in page.content.decode()


def test_a_new_webhook_gets_no_backlog_of_older_events(
    receiver, django_capture_on_commit_callbacks
):
    make_topic(make_category(), make_user())  # before the webhook exists
    Webhook.objects.create(
        name="Late", url=receiver.url, secret=SECRET, events=["topic.created"]
    )
    _dispatch_all(django_capture_on_commit_callbacks)

    assert not WebhookDelivery.objects.exists()


def test_an_idea_decision_is_sent_with_its_status(
    receiver, django_capture_on_commit_callbacks
):
    from forum.models import CategoryKind
    from ideas import actions as ideas_actions
    from ideas.models import DecisionOwner

    Webhook.objects.create(
        name="Ideas", url=receiver.url, secret=SECRET, events=["idea.decided"]
    )
    ideas = make_category("Ideas", slug="ideas", kind=CategoryKind.IDEAS)
    owner = make_brand_rep("olga")
    DecisionOwner.objects.create(brand=owner.brand, user=owner)
    idea = make_topic(ideas, make_user("ada"), title="A milk jug with a spout scale")
    ideas_actions.decide(owner, idea, status="planned", rationale="Next batch.")
    _dispatch_all(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    receiver.script = [200]

    assert deliver_task.apply(args=(delivery.pk,)).get() == "delivered"

    (request,) = receiver.received
    assert request.signature_ok
    assert request.headers["X-Hearth-Event"] == "idea.decided"
    assert request.json["idea"]["status"] == "planned"
    assert request.json["topic"]["title"] == "A milk jug with a spout scale"
