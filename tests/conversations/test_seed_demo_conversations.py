from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from conversations.models import Conversation

pytestmark = pytest.mark.django_db


def test_seed_demo_has_a_representative_answering_a_member_who_asked_the_brand():
    call_command("seed_demo", stdout=StringIO())

    oat_milk = Conversation.objects.get(subject="Your oat milk question")
    assert oat_milk.started_by.username == "rep"
    dadbrews = Client()
    assert dadbrews.login(username="dadbrews", password="hearth-demo")
    page = dadbrews.get(oat_milk.get_absolute_url()).content.decode()
    assert "barista edition" in page
    assert "Brevetto · peer resource" in page
    # The demo's member reads their own conversation; the moderator and the
    # admin read none of them.
    member = Client()
    assert member.login(username="member", password="hearth-demo")
    assert (
        "Which grinder" in member.get(reverse("conversations:inbox")).content.decode()
    )
    for name in ("mod", "admin"):
        outsider = Client()
        assert outsider.login(username=name, password="hearth-demo")
        assert outsider.get(oat_milk.get_absolute_url()).status_code == 404
