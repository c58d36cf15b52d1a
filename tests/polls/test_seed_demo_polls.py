from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from forum.models import Category, Topic
from polls.models import Poll, PollVote

pytestmark = pytest.mark.django_db


def test_seed_demo_has_a_concept_poll_and_a_member_poll(client):
    call_command("seed_demo", stdout=StringIO())

    concept = Topic.objects.get(concept_brand__isnull=False)
    assert concept.category.kind == "ideas"
    assert Poll.objects.count() == 2
    assert PollVote.objects.filter(poll__topic=concept).exists()
    member_poll = Poll.objects.get(topic__concept_brand__isnull=True)
    assert member_poll.topic.category.kind == "discussion"
    assert Category.objects.filter(allow_polls=True).exists()
    page = Client().get(concept.get_absolute_url()).content.decode()
    assert "Concept from Brevetto" in page
    assert client.login(username="member", password="hearth-demo")
    page = client.get(concept.get_absolute_url()).content.decode()
    assert "Change my vote" in page and "votes (" in page
