from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from forum.models import Category, Post, Topic
from ideas.models import DecisionOwner, Idea, IdeaDecision
from notifications.models import Delivery, Notification

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_a_community_once_and_prints_logins(client):
    out = StringIO()
    call_command("seed_demo", stdout=out)

    assert Topic.objects.count() > 30
    assert Post.objects.count() > 150
    assert Category.objects.filter(restricted_to__isnull=False).exists()
    assert User.objects.get(username="rep").brand is not None
    assert User.objects.get(username="mod").moderator_assignments.exists()
    assert Notification.objects.exists()
    assert not Delivery.objects.filter(channel="email", status="sent").exists()
    for login in ("member", "mod", "rep", "admin"):
        assert f"{login:<8} / hearth-demo" in out.getvalue()

    topics = Topic.objects.count()
    again = StringIO()
    call_command("seed_demo", stdout=again)
    assert "already loaded" in again.getvalue()
    assert Topic.objects.count() == topics

    assert client.login(username="member", password="hearth-demo") is True
    assert client.get("/").status_code == 200


def test_seed_demo_has_an_ideas_board_with_owners_votes_and_decisions(client):
    call_command("seed_demo", stdout=StringIO())

    assert DecisionOwner.objects.filter(user__username="rep").exists()
    shipped = Topic.objects.get(idea_status="shipped")
    assert Idea.objects.get(pk=shipped.pk).community_votes >= 10
    assert IdeaDecision.objects.filter(status="shipped").exists()
    overdue = Topic.objects.get(title__contains="flow-control paddle")
    assert "Response overdue" in client.get(overdue.get_absolute_url()).content.decode()
    board = client.get("/ideas/").content.decode()
    assert "Waiting for a response since" in board
    assert shipped.title in client.get("/ideas/shipped/").content.decode()
