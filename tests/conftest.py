import pytest
from django.core.cache import cache

from tests import factories


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache (it may be a real, shared Redis)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.UPLOADS_ROOT = tmp_path / "uploads"
    settings.EXPORTS_ROOT = tmp_path / "exports"


@pytest.fixture
def member(db):
    return factories.make_user("alice")


@pytest.fixture
def other_member(db):
    return factories.make_user("bob")


@pytest.fixture
def brand_rep(db):
    return factories.make_brand_rep("marco")


@pytest.fixture
def admin_user(db):
    return factories.make_admin("ines")


@pytest.fixture
def category(db):
    return factories.make_category("General", slug="general")


@pytest.fixture
def questions(db):
    return factories.make_category("Help", slug="help", kind="questions")


@pytest.fixture
def moderator(category):
    return factories.make_moderator(category, "mira")


@pytest.fixture
def topic(category, member):
    return factories.make_topic(category, member, title="How do I descale?")


@pytest.fixture
def post(topic, other_member):
    return factories.make_post(topic, other_member, body="Use citric acid.")
