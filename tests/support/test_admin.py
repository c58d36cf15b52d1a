"""The admin: a brand's desk is set there, and an administrator reads every
delivery with its attempts, and sends a failed one again."""

import pytest
from django.urls import reverse

from forum import actions as forum_actions
from support.actions import deliver_escalation
from support.models import Delivery, DeliveryStatus, SupportDesk
from tests.factories import make_admin, make_brand

pytestmark = pytest.mark.django_db


def _superuser():
    """An administrator with every model permission (as `createsuperuser` makes)."""
    admin = make_admin("ines")
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    return admin


def test_an_admin_sets_a_brands_desk(client):
    brand = make_brand("Lumo")
    client.force_login(_superuser())

    response = client.post(
        reverse("admin:support_supportdesk_add"),
        {
            "brand": brand.pk,
            "name": "Lumo care",
            "email": "care@lumo.example",
            "webhook_url": "https://desk.lumo.example/hooks/hearth",
            "webhook_secret": "s3cret-value",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    desk = SupportDesk.objects.get(brand=brand)
    assert desk.display_name == "Lumo care"
    listing = client.get(reverse("admin:support_supportdesk_changelist"))
    assert "care@lumo.example" in listing.content.decode()
    assert "s3cret-value" not in listing.content.decode()


def test_an_admin_reads_a_delivery_and_sends_a_failed_one_again(
    client, scene, desk, settings, django_capture_on_commit_callbacks
):
    settings.ESCALATION_BACKEND = "webhook"
    desk.script = [400]
    with django_capture_on_commit_callbacks():
        escalation = forum_actions.escalate_to_support(scene["rep"], scene["topic"])
    delivery = Delivery.objects.get(ticket__escalation=escalation)
    assert deliver_escalation(delivery.pk) == DeliveryStatus.FAILED
    client.force_login(_superuser())

    page = client.get(reverse("admin:support_delivery_change", args=[delivery.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert escalation.reference in html
    assert "HTTP 400" in html  # the last error and the attempt's row
    assert desk.url in html
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(
            reverse("admin:support_delivery_changelist"),
            {"action": "send_again", "_selected_action": [delivery.pk]},
        )
    assert response.status_code == 302
    assert len(queued) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    # The desk answers this time; the same ticket (idempotency key) is sent.
    assert deliver_escalation(delivery.pk) == DeliveryStatus.DELIVERED
    assert len(desk.tickets) == 1


def test_a_representative_cannot_open_the_support_admin(client, scene):
    client.force_login(scene["rep"])

    response = client.get(reverse("admin:support_delivery_changelist"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
