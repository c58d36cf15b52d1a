from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import CommunityGroup
from groups.models import ExpertRoute, GroupApplication

pytestmark = pytest.mark.django_db


def test_seed_demo_has_a_beta_with_terms_a_waiting_application_and_experts():
    call_command("seed_demo", stdout=StringIO())

    beta = CommunityGroup.objects.get(slug="beta-testers")
    assert beta.terms and beta.ends_at is not None
    application = GroupApplication.objects.get(group=beta, status="pending")
    assert application.terms_version == beta.terms_version
    assert ExpertRoute.objects.filter(group__slug="baristas").exists()

    mod = Client()
    assert mod.login(username="mod", password="hearth-demo")
    page = mod.get(reverse("groups:group_manage", args=[beta.slug])).content.decode()
    assert application.applicant.name in page
    assert "Recommended by" in page
    rep = Client()
    assert rep.login(username="rep", password="hearth-demo")
    response = rep.get(reverse("groups:group_manage", args=[beta.slug]))
    assert response.status_code == 403
    listing = Client().get(reverse("groups:group_list")).content.decode()
    assert "Beta testers" in listing and "@baristas" in listing
