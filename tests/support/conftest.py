import pytest

from support.models import SupportDesk
from tests.factories import make_brand_rep, make_category, make_topic, make_user
from tests.support.desk import Desk

SECRET = "desk-shared-secret"


@pytest.fixture
def desk():
    server = Desk(secret=SECRET)
    yield server
    server.stop()


@pytest.fixture
def scene(db, settings, desk):
    settings.SITE_URL = "https://forum.example"
    category = make_category("Machines", slug="machines")
    asker = make_user("teodor", email="teodor@example.com")
    topic = make_topic(
        category, asker, title="Duo pump hums but no water", body="Since Monday."
    )
    rep = make_brand_rep("marco")
    support_desk = SupportDesk.objects.create(
        brand=rep.brand,
        email="support@brevetto.example",
        webhook_url=desk.url,
        webhook_secret=SECRET,
    )
    return {
        "topic": topic,
        "asker": asker,
        "rep": rep,
        "desk": support_desk,
        "category": category,
    }
