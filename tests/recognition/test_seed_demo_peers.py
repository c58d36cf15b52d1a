from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from forum.models import BrandRequest, RequestReason, Topic
from recognition.models import Award, Confirmation

pytestmark = pytest.mark.django_db


def test_seed_demo_routes_an_unanswered_question_and_confirms_an_answer(client):
    call_command("seed_demo", stdout=StringIO())

    unanswered = Topic.objects.get(title__startswith="Duo shows E07")
    answered = Topic.objects.get(title__startswith="Shots gush")
    assert BrandRequest.objects.filter(
        topic=unanswered, reason=RequestReason.PEER_FIRST
    ).exists()
    assert not BrandRequest.objects.filter(topic=answered).exists()
    assert BrandRequest.objects.filter(reason=RequestReason.MODERATOR).exists()
    assert Confirmation.objects.filter(post__topic=answered).exists()
    assert Award.objects.filter(user__username="refractometer_rob").exists()
    assert not Award.objects.filter(user__role="brand_rep").exists()

    assert client.login(username="rep", password="hearth-demo")
    queue = client.get(reverse("forum:brand_queue")).content.decode()
    assert "No community answer after 12 hours" in queue
    assert "Routed by a moderator" in queue
    assert client.login(username="member", password="hearth-demo")
    page = client.get(answered.get_absolute_url()).content.decode()
    assert "Confirmed by Brevetto" in page
    profile = client.get(
        reverse("accounts:profile", args=["refractometer_rob"])
    ).content.decode()
    assert "Helped" in profile and "Accepted answer" in profile
