"""The escalation endpoints, role by role, over HTTP (support app, issue 18).

Escalating is a representative's (for their brand) or an admin's verb;
everyone else is refused and nothing is written. The support desk's status
callback takes no session at all: whoever is signed in, without the desk's
signature the answer is 403 and nothing changes.
"""

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from forum.models import Escalation
from support.models import SupportDesk
from tests.factories import (
    make_admin,
    make_brand,
    make_brand_rep,
    make_category,
    make_moderator,
    make_topic,
    make_user,
)
from tests.permissions.effects import data_state

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "member",
    "asker",
    "moderator_here",
    "brand_rep",
    "other_brand_rep",
    "admin",
]
# A representative escalates to their own brand's support, whichever brand
# the topic is about; an admin chooses the brand.
MAY_ESCALATE = {"brand_rep", "other_brand_rep", "admin"}


@pytest.fixture
def world():
    category = make_category("General", slug="general")
    asker = make_user("asker")
    topic = make_topic(category, asker, title="Duo pump hums but no water")
    rep = make_brand_rep("marco")
    SupportDesk.objects.create(brand=rep.brand, webhook_secret="desk-secret")
    people = {
        "anonymous": AnonymousUser(),
        "member": make_user("member"),
        "asker": asker,
        "moderator_here": make_moderator(category, "mira"),
        "brand_rep": rep,
        "other_brand_rep": make_user(
            "yuki", role=Role.BRAND_REP, brand=make_brand("Lumo")
        ),
        "admin": make_admin("ines"),
    }
    return {"topic": topic, "people": people, "brand": rep.brand}


def _client(person) -> Client:
    client = Client()
    if person.is_authenticated:
        client.force_login(person)
    return client


@pytest.mark.parametrize("role", ROLES)
def test_escalate(world, role):
    topic = world["topic"]
    client = _client(world["people"][role])
    before = data_state()

    response = client.post(
        reverse("forum:escalate", args=[topic.pk]),
        {"note": "Pump replacement.", "brand": world["brand"].pk},
    )

    if role in MAY_ESCALATE:
        assert response.status_code == 302
        (escalation,) = Escalation.objects.filter(topic=topic)
        person = world["people"][role]
        expected = person.brand if role != "admin" else world["brand"]
        assert escalation.brand == expected
    else:
        assert response.status_code in (302, 403), response.status_code
        if response.status_code == 302:  # anonymous: to the sign-in page
            assert "/accounts/login/" in response["Location"]
        assert data_state() == before


@pytest.mark.parametrize("role", ROLES)
def test_desk_callback_without_the_signature(world, role):
    escalation = Escalation.objects.create(
        topic=world["topic"],
        brand=world["brand"],
        member=world["people"]["asker"],
        reference="BREV-AAAAAA",
    )
    client = _client(world["people"][role])
    before = data_state()

    response = client.post(
        reverse("support:desk_callback", args=[world["brand"].slug]),
        data=json.dumps(
            {"event_id": "e1", "reference": escalation.reference, "status": "resolved"}
        ),
        content_type="application/json",
    )

    assert response.status_code == 403
    assert response.json()["error"] == "missing_signature"
    assert data_state() == before
