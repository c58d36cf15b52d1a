"""Uploads kept in an S3-compatible bucket (django-storages), against moto's
S3 server started here on 127.0.0.1: real HTTP, no patched client."""

import io
from datetime import timedelta

import boto3  # type: ignore[import-untyped]
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from moto.server import ThreadedMotoServer
from PIL import Image

from tests.factories import PASSWORD, make_category, make_group, make_topic, make_user
from uploads import actions
from uploads.models import Upload

pytestmark = pytest.mark.django_db

BUCKET = "hearth-uploads"
KEYS = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret"}


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings):
    client = boto3.client(
        "s3", endpoint_url=s3_endpoint, region_name="us-east-1", **KEYS
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": KEYS["aws_access_key_id"],
                "secret_key": KEYS["aws_secret_access_key"],
                "location": "uploads",
                "default_acl": "private",
                "file_overwrite": True,
            },
        },
    }
    yield client
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for item in listed:
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client) -> list[str]:
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return sorted(item["Key"] for item in listed)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), "teal").save(out, format="PNG")
    return out.getvalue()


def test_uploads_are_stored_in_the_bucket_and_served_by_the_policy(
    bucket, django_capture_on_commit_callbacks
):
    insider = make_user("insider")
    beta = make_group("Beta testers", members=[insider])
    lab = make_category("Beta lab", slug="beta-lab", restricted_to=beta)
    client = Client()
    client.login(username=insider.username, password=PASSWORD)

    response = client.post(
        "/uploads/",
        {"file": SimpleUploadedFile("tray.png", _png())},
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 200
    upload = Upload.objects.get()
    assert _keys(bucket) == [f"uploads/{upload.storage_name}"]
    make_topic(lab, insider, title="The drip tray", body=response.json()["markdown"])
    url = f"/uploads/{upload.pk}/tray.png"
    served = client.get(url)
    assert served.status_code == 200
    with Image.open(io.BytesIO(served.getvalue())) as image:
        assert image.size == (30, 20)
    assert Client().get(url).status_code == 404

    # An orphan's object leaves the bucket with it.
    other = make_user("other")
    client.login(username=other.username, password=PASSWORD)
    client.post(
        "/uploads/",
        {"file": SimpleUploadedFile("notes.txt", b"Grind 18 g, 36 g out.\n")},
        headers={"Accept": "application/json"},
    )
    assert len(_keys(bucket)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        removed = actions.remove_orphan_uploads(timezone.now() + timedelta(days=30))
    assert removed == 1
    assert _keys(bucket) == [f"uploads/{upload.storage_name}"]
