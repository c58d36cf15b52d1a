"""The demo's listed communities (demo/elsewhere.toml), seeded without network."""

import pytest
from django.urls import reverse
from django.utils import timezone

from elsewhere.management import demo
from elsewhere.models import Source
from tests.factories import make_admin, make_category

pytestmark = pytest.mark.django_db


def test_the_demo_lists_three_communities_with_links_and_one_category_stream(client):
    make_admin("admin")
    grinders = make_category("Grinders", slug="grinders")

    summary = demo.seed(timezone.now())

    assert summary.startswith("elsewhere: 3 listed communities")
    assert Source.objects.filter(categories=grinders).count() == 1
    page = client.get(reverse("elsewhere:index")).content.decode()
    for name in ("Espresso Underground", "r/homeespresso board", "Crema Notes"):
        assert name in page
    sources = client.get(reverse("elsewhere:sources")).content.decode()
    assert "Ines Marchetti" in sources
    stream = client.get(grinders.get_absolute_url()).content.decode()
    assert "Single-dosing the G2" in stream
    assert client.get(reverse("elsewhere:highlights_json")).status_code == 200
