"""The demo's uploaded photo (demo/uploads.toml): drawn, uploaded through the
composer's action (its GPS position stripped) and shown in a reply."""

import io
import tomllib

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from tests.factories import make_category, make_topic, make_user
from uploads.management import demo
from uploads.models import Upload
from uploads.storage import upload_storage

pytestmark = pytest.mark.django_db


def test_the_demo_photo_is_posted_without_its_gps_position():
    photo = tomllib.loads(demo.DATA.read_text())["photos"][0]
    author = make_user(photo["author"])
    topic = make_topic(make_category(), make_user("asker"), title=photo["topic"])

    summary = demo.seed(timezone.now())

    assert summary == "uploads: 1 post(s) with an uploaded photo"
    upload = Upload.objects.get(uploader=author)
    with upload_storage().open(upload.storage_name) as stored:
        data = stored.read()
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif()
    page = Client().get(topic.get_absolute_url()).content.decode()
    assert f'<img src="/uploads/{upload.pk}/puck-underside.jpg"' in page
    # Seeding twice posts it once.
    demo.seed(timezone.now())
    assert topic.posts.count() == 2
