"""DATA_UPLOAD_MAX_MEMORY_SIZE is sized to the longest allowed post: every
post that may be saved fits (even of 4-byte characters, URL-encoded), a post
a little too long gets the form back with its message and text, and a body
far too big is refused before it is parsed with the site's 413 page."""

from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import SuspiciousOperation
from django.test import Client
from django.urls import reverse

from config.errors import bad_request
from forum.markup import DEFAULT_MAX_POST_LENGTH
from forum.models import Post

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"
EMOJI = "\N{GRINNING FACE}"  # 4 bytes in UTF-8, 12 once URL-encoded


def _reply(client, topic, body: str, **extra):
    return client.post(
        reverse("forum:reply", args=[topic.pk]),
        urlencode({"body": body, **extra}),
        content_type=FORM,
    )


def test_limit_holds_the_longest_post_with_a_margin():
    longest = DEFAULT_MAX_POST_LENGTH * 12  # every character 4 bytes, %XX each
    assert longest < settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= longest + 128 * 1024


def test_longest_post_of_four_byte_characters_is_accepted(client, topic, member):
    client.force_login(member)
    body = EMOJI * DEFAULT_MAX_POST_LENGTH

    response = _reply(client, topic, body)

    assert response.status_code == 302
    assert Post.objects.get(topic=topic, number=2).body_source == body


def test_post_just_over_the_limit_gets_the_form_back(client, topic, member):
    client.force_login(member)
    body = EMOJI * (DEFAULT_MAX_POST_LENGTH + 1)

    response = _reply(client, topic, body)

    assert response.status_code == 400
    assert body.encode() in response.content  # the text is kept
    assert b"30,000" in response.content or b"30000" in response.content
    assert topic.posts.count() == 1


@pytest.mark.parametrize("csrf", [False, True])
def test_a_body_far_too_big_gets_the_413_page(topic, member, csrf):
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(member)
    body = "x" * (3 * 1024 * 1024)
    token = "none"
    if csrf:  # as a browser does: the cookie from the form's page, its token
        client.get(reverse("forum:reply", args=[topic.pk]))
        token = client.cookies["csrftoken"].value

    response = _reply(client, topic, body, csrfmiddlewaretoken=token)

    assert response.status_code == 413
    html = response.content.decode()
    assert 'class="error-page"' in html  # the site's error template
    assert "a post can be at most 30,000 characters" in html
    assert "Your text is still in the form" in html
    assert topic.posts.count() == 1


def test_a_big_multipart_body_gets_the_413_page_too(client, topic, member):
    client.force_login(member)
    response = client.post(
        reverse("forum:reply", args=[topic.pk]), {"body": "x" * (1024 * 1024)}
    )
    assert response.status_code == 413
    assert 'class="error-page"' in response.content.decode()


def test_too_many_fields_get_the_site_error_page(client, topic, member, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    client.force_login(member)
    response = client.post(
        reverse("forum:reply", args=[topic.pk]),
        urlencode([("body", str(i)) for i in range(10)]),
        content_type=FORM,
    )
    assert response.status_code == 413
    assert 'class="error-page"' in response.content.decode()


def test_other_bad_requests_get_the_site_400_page(rf, db):
    request = rf.get("/")
    request.user = AnonymousUser()
    response = bad_request(request, SuspiciousOperation("odd"))
    assert response.status_code == 400
    assert 'class="error-page"' in response.content.decode()
