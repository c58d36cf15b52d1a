from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _image(fmt="PNG", size=(800, 400), colour=(200, 40, 40)) -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return SimpleUploadedFile(
        f"me.{fmt.lower()}", buffer.getvalue(), f"image/{fmt.lower()}"
    )


def test_profile_page_shows_name_bio_and_join_date(client):
    user = make_user("alice", display_name="Alice A.", bio="I pull shots at dawn.")

    response = client.get(reverse("accounts:profile", args=["alice"]))

    assert response.status_code == 200
    assert b"Alice A." in response.content
    assert b"I pull shots at dawn." in response.content
    assert user.date_joined.strftime("%B %Y").encode() in response.content


def test_profile_of_unknown_user_is_404(client, db):
    assert client.get(reverse("accounts:profile", args=["ghost"])).status_code == 404


def test_profile_without_upload_shows_generated_avatar(client):
    make_user("alice", display_name="Alice Archer")

    response = client.get(reverse("accounts:profile", args=["alice"]))

    assert b'<svg class="avatar"' in response.content
    assert b">AA</text>" in response.content


def test_settings_requires_sign_in(client, db):
    response = client.get(reverse("accounts:settings"))

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_settings_saves_profile_and_resizes_avatar(client, settings):
    user = make_user("alice")
    client.force_login(user)

    response = client.post(
        reverse("accounts:settings"),
        {"display_name": "  Alice  ", "bio": "Hello", "avatar": _image("JPEG")},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.display_name == "Alice"
    assert user.bio == "Hello"
    with Image.open(user.avatar.path) as saved:
        assert saved.size == (settings.FORUM_AVATAR_SIZE, settings.FORUM_AVATAR_SIZE)
        assert saved.format == "PNG"


def test_settings_rejects_non_image_and_keeps_typed_text(client):
    user = make_user("alice")
    client.force_login(user)
    fake = SimpleUploadedFile("me.png", b"not an image at all", "image/png")

    response = client.post(
        reverse("accounts:settings"),
        {"display_name": "Alice typed this", "bio": "and this bio", "avatar": fake},
    )

    assert response.status_code == 400
    assert b"Alice typed this" in response.content
    assert b"and this bio" in response.content
    assert b"field-error" in response.content
    user.refresh_from_db()
    assert user.display_name == ""


def test_settings_rejects_oversized_display_name(client):
    user = make_user("alice")
    client.force_login(user)

    response = client.post(
        reverse("accounts:settings"), {"display_name": "x" * 61, "bio": ""}
    )

    assert response.status_code == 400
    assert b"at most 60 characters" in response.content


def test_settings_removes_avatar(client):
    user = make_user("alice")
    client.force_login(user)
    client.post(
        reverse("accounts:settings"),
        {"display_name": "", "bio": "", "avatar": _image()},
    )
    user.refresh_from_db()
    assert user.avatar

    client.post(
        reverse("accounts:settings"),
        {"display_name": "", "bio": "", "remove_avatar": "on"},
    )

    user.refresh_from_db()
    assert not user.avatar
