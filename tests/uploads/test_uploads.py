"""Uploads in posts (issue 22): what is accepted, what is refused and why,
what is stored, and who may fetch it, all over HTTP."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from accounts.roles import TrustLevel
from forum import actions as forum_actions
from moderation.actions.posts import redact_post
from moderation.models import Rule
from tests.factories import (
    PASSWORD,
    make_admin,
    make_category,
    make_group,
    make_topic,
    make_user,
)
from uploads import actions
from uploads.models import Upload

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def _png(width: int = 40, height: int = 30, colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def _jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Brevetto Camera Co."  # Make
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (52.0, 22.0, 7.5)
    gps[3] = "E"
    gps[4] = (4.0, 53.0, 1.2)
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "brown").save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _client(user) -> Client:
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    return client


def _upload(client: Client, name: str, data: bytes, *, json: bool = True):
    headers = {"Accept": "application/json"} if json else {}
    return client.post(
        "/uploads/", {"file": SimpleUploadedFile(name, data)}, headers=headers
    )


def _stored_files() -> list[Path]:
    root = Path(settings.UPLOADS_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file())


def _url_of(markdown: str) -> str:
    return markdown.rsplit("(", 1)[1].rstrip(")").removeprefix(settings.SITE_URL)


@pytest.fixture
def writer():
    return make_user("writer", trust_level=TrustLevel.MEMBER)


def test_gps_and_camera_metadata_are_stripped_from_a_jpeg(writer):
    original = _jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif().get_ifd(GPS_IFD)  # the test's photo has a position
    client = _client(writer)

    response = _upload(client, "espresso at home.jpg", original)

    assert response.status_code == 200
    markdown = response.json()["markdown"]
    assert markdown.startswith("![espresso at home](")
    served = client.get(_url_of(markdown))
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    data = served.getvalue()
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (64, 48)
        assert not image.getexif()
    assert b"Exif" not in data
    assert b"Brevetto Camera" not in data


def test_an_oversized_file_is_refused_with_the_limit(settings, writer):
    settings.UPLOADS_LIMITS = {2: {"max_bytes": 2000, "per_day": 10}}

    response = _upload(_client(writer), "manual.pdf", PDF + b"0" * 3000)

    assert response.status_code == 400
    assert "you can upload files up to" in response.json()["error"]
    assert not Upload.objects.exists()


def test_an_image_with_too_many_pixels_is_refused(settings, writer):
    settings.UPLOADS_MAX_PIXELS = 1000

    response = _upload(_client(writer), "big.png", _png(50, 50))

    assert response.status_code == 400
    assert "over the limit of 1000" in response.json()["error"]
    assert not _stored_files()


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "SVG, HTML"),
        ("photo.png", b'<?xml version="1.0"?><svg></svg>', "SVG, HTML"),
        ("page.html", b"<p>hello</p>", "SVG, HTML"),
        ("photo.jpg", b"<!DOCTYPE html><script>alert(1)</script>", "SVG, HTML"),
        ("notes.txt", b"<html><body>hi</body></html>", "SVG, HTML"),
        ("notes.txt", PDF, "holds a PDF"),
        ("manual.pdf", b"just some text, no PDF at all", "holds text"),
        ("manual.pdf", b"MZ\x90\x00\x03\x00\x00\x00 a program", "Only pictures"),
        ("photo.jpg", b"\x00\x01\x02 not a picture", "Only pictures"),
        ("tool.exe", b"plain text with a strange name", "Only pictures"),
    ],
)
def test_markup_and_disguised_files_are_refused(writer, name, data, says):
    response = _upload(_client(writer), name, data)

    assert response.status_code == 400
    assert says in response.json()["error"]
    assert not Upload.objects.exists()
    assert not _stored_files()


def test_the_daily_count_is_per_trust_level_and_a_repeat_is_free(settings):
    settings.UPLOADS_LIMITS = {
        0: {"max_bytes": 100_000, "per_day": 2},
        2: {"max_bytes": 100_000, "per_day": 10},
    }
    newcomer = make_user("newcomer", trust_level=TrustLevel.NEW)
    client = _client(newcomer)
    assert _upload(client, "a.png", _png(colour="red")).status_code == 200
    assert _upload(client, "b.png", _png(colour="blue")).status_code == 200
    # The same picture again is the same upload, not a new one.
    assert _upload(client, "a-again.png", _png(colour="red")).status_code == 200

    refused = _upload(client, "c.png", _png(colour="green"))

    assert refused.status_code == 400
    assert "uploaded 2 files in the last 24 hours" in refused.json()["error"]
    # A member at a higher level has room for more.
    member = make_user("regular", trust_level=TrustLevel.MEMBER)
    assert _upload(_client(member), "c.png", _png(colour="green")).status_code == 200


def test_the_same_file_is_stored_once(writer):
    other = make_user("other")

    first = _upload(_client(writer), "a.png", _png()).json()["markdown"]
    second = _upload(_client(other), "b.png", _png()).json()["markdown"]

    assert first != second  # each member has their own upload and address
    assert len(_stored_files()) == 1
    assert Upload.objects.values("storage_name").distinct().count() == 1
    # Never under MEDIA_ROOT, which a reverse proxy may serve to anyone.
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.png"))


def test_a_file_is_served_as_an_attachment(writer):
    client = _client(writer)
    markdown = _upload(client, "Grinder manual (v2).pdf", PDF).json()["markdown"]
    assert markdown.startswith("[Grinder-manual-v2.pdf](")

    served = client.get(_url_of(markdown))

    assert served.status_code == 200
    assert served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"].startswith("attachment;")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served.getvalue() == PDF


def test_without_javascript_the_page_shows_the_markdown_to_paste(writer):
    response = _upload(_client(writer), "a.png", _png(), json=False)

    assert response.status_code == 200
    assert b"Copy this line into your post" in response.content
    assert b"![a](" in response.content
    refused = _upload(_client(writer), "a.svg", b"<svg></svg>", json=False)
    assert refused.status_code == 400
    assert b"SVG, HTML" in refused.content


def test_signing_in_is_needed_to_upload(writer):
    response = _upload(Client(), "a.png", _png())

    assert response.status_code == 403
    assert not Upload.objects.exists()


def test_a_post_shows_the_uploaded_picture(writer):
    client = _client(writer)
    markdown = _upload(client, "shot.png", _png()).json()["markdown"]
    upload = Upload.objects.get()

    topic = make_topic(
        make_category("General", slug="general"),
        writer,
        title="My new grinder",
        body=f"Here it is:\n\n{markdown}",
    )

    page = Client().get(topic.get_absolute_url())
    assert (
        f'<img src="/uploads/{upload.pk}/shot.png" alt="shot" width="40" height="30"'
        in page.content.decode()
    )
    assert list(upload.posts.all()) == [topic.first_post]
    assert Client().get(f"/uploads/{upload.pk}/shot.png").status_code == 200


def test_a_large_picture_is_shown_through_a_smaller_copy(settings, writer):
    settings.UPLOADS_THUMBNAIL_SIZE = 50
    client = _client(writer)
    markdown = _upload(client, "wide.png", _png(200, 100)).json()["markdown"]
    upload = Upload.objects.get()

    topic = make_topic(make_category(), writer, title="A wide picture", body=markdown)

    html = Client().get(topic.get_absolute_url()).content.decode()
    assert f'src="/uploads/{upload.pk}/small/wide.png"' in html
    assert 'width="50" height="25"' in html
    small = Client().get(f"/uploads/{upload.pk}/small/wide.png")
    with Image.open(io.BytesIO(small.getvalue())) as image:
        assert image.size == (50, 25)


def test_an_upload_in_a_restricted_category_is_refused_to_outsiders():
    insider = make_user("insider")
    fellow = make_user("fellow")
    outsider = make_user("outsider")
    beta = make_group("Beta testers", members=[insider, fellow])
    lab = make_category("Beta lab", slug="beta-lab", restricted_to=beta)
    client = _client(insider)
    markdown = _upload(client, "prototype.jpg", _jpeg_with_gps()).json()["markdown"]
    url = _url_of(markdown)
    # Before it is in a post, only the uploader may fetch it.
    assert client.get(url).status_code == 200
    assert _client(fellow).get(url).status_code == 404

    make_topic(lab, insider, title="The prototype's drip tray", body=markdown)

    assert client.get(url).status_code == 200
    assert _client(fellow).get(url).status_code == 200
    assert _client(outsider).get(url).status_code == 404
    assert Client().get(url).status_code == 404


def test_someone_elses_upload_in_a_public_post_stays_private(writer):
    insider = make_user("insider")
    beta = make_group("Beta testers", members=[insider])
    lab = make_category("Beta lab", slug="beta-lab", restricted_to=beta)
    markdown = _upload(_client(insider), "secret.png", _png()).json()["markdown"]
    make_topic(lab, insider, title="Secret prototype", body=markdown)

    # Quoting the address in a public topic does not make the file public.
    make_topic(make_category(), writer, title="Look what I found", body=markdown)

    assert Client().get(_url_of(markdown)).status_code == 404


def test_a_hidden_or_deleted_post_no_longer_shows_its_upload(writer):
    client = _client(writer)
    markdown = _upload(client, "a.png", _png()).json()["markdown"]
    topic = make_topic(make_category(), writer, title="A topic here", body="Hello.")
    post = forum_actions.reply_to_topic(writer, topic, body=markdown)
    url = _url_of(markdown)
    assert Client().get(url).status_code == 200

    forum_actions.edit_post(writer, post, body="Changed my mind.")

    assert Client().get(url).status_code == 404
    assert client.get(url).status_code == 200  # still the uploader's


def test_orphaned_uploads_are_removed_after_the_grace_period(
    settings, writer, django_capture_on_commit_callbacks
):
    settings.UPLOADS_ORPHAN_HOURS = 48
    client = _client(writer)
    kept = _upload(client, "kept.png", _png(colour="red")).json()["markdown"]
    _upload(client, "orphan.png", _png(colour="blue"))
    make_topic(make_category(), writer, title="With a picture", body=kept)
    assert len(_stored_files()) == 2

    assert actions.remove_orphan_uploads(timezone.now() + timedelta(hours=47)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        removed = actions.remove_orphan_uploads(timezone.now() + timedelta(hours=49))

    assert removed == 1
    assert list(Upload.objects.values_list("filename", flat=True)) == ["kept.png"]
    assert len(_stored_files()) == 1
    assert Client().get(_url_of(kept)).status_code == 200


def test_an_orphan_sharing_its_file_with_a_kept_upload_leaves_the_file(
    writer, django_capture_on_commit_callbacks
):
    other = make_user("other")
    kept = _upload(_client(writer), "a.png", _png()).json()["markdown"]
    _upload(_client(other), "b.png", _png())
    make_topic(make_category(), writer, title="With a picture", body=kept)

    with django_capture_on_commit_callbacks(execute=True):
        assert actions.remove_orphan_uploads(timezone.now() + timedelta(days=30)) == 1

    assert len(_stored_files()) == 1
    assert Client().get(_url_of(kept)).status_code == 200


def test_posting_an_upload_url_from_a_form_never_500s(writer):
    client = _client(writer)
    response = client.post("/uploads/", {}, headers={"Accept": "application/json"})

    assert response.status_code == 400
    assert response.json()["error"] == "Choose a file to upload."


def test_a_redacted_picture_is_no_longer_served_to_readers(writer):
    client = _client(writer)
    markdown = _upload(client, "my-address.png", _png()).json()["markdown"]
    topic = make_topic(make_category(), writer, title="New setup", body="Hello.")
    post = forum_actions.reply_to_topic(writer, topic, body=f"My kitchen\n\n{markdown}")
    url = _url_of(markdown)
    assert Client().get(url).status_code == 200
    rule = Rule.objects.create(number=1, title="Privacy")

    redact_post(make_admin("ines"), post, text=markdown, rule=rule, reason="Privacy")

    assert Client().get(url).status_code == 404
    assert client.get(url).status_code == 200  # still the uploader's
