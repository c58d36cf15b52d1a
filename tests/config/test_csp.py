"""Every kind of response carries the strict Content-Security-Policy.

Pages (anonymous, cached and signed in), htmx fragments, errors (403, 404,
500), feeds, the admin, /healthz and the colours stylesheet. The e2e suite
checks that Chromium reports no violation on the pages it opens.
"""

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse

from config import urls as site_urls
from config.colours import brand_class, category_class
from tests import factories

pytestmark = pytest.mark.django_db

REQUIRED = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


# This module is also the URLconf of the 500 test: the site plus a crash.
urlpatterns = [path("boom/", _boom), *site_urls.urlpatterns]
handler404 = site_urls.handler404
handler403 = site_urls.handler403
handler500 = site_urls.handler500


def directives(response: HttpResponse) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.status_code}"
    parts = (part.strip().split(None, 1) for part in header.split(";"))
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts if part}


def assert_strict(response: HttpResponse) -> None:
    found = directives(response)
    for name, value in REQUIRED.items():
        assert found.get(name) == value, (name, found.get(name))
    for value in found.values():
        assert "unsafe-inline" not in value
        assert "unsafe-eval" not in value


def test_pages_fragments_feeds_and_errors_carry_the_policy(
    client, topic, post, member, admin_user
):
    anonymous = [
        "/",
        "/latest/",
        topic.get_absolute_url(),
        topic.category.get_absolute_url(),
        "/u/alice/",
        reverse("forum:feed_latest"),
        reverse("forum:feed_topic", args=[topic.pk]),
        "/accounts/login/",
        "/healthz",
        "/colours.css",
        "/no-such-page/",
    ]
    for url in anonymous:
        assert_strict(client.get(url))
    # A page served from the anonymous page cache.
    hit = client.get(topic.get_absolute_url())
    assert hit.headers.get("X-Hearth-Cache") == "hit"
    assert_strict(hit)

    client.force_login(member)
    assert_strict(client.get(topic.get_absolute_url()))
    fragment = client.get(reverse("notifications:bell"), headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert_strict(fragment)
    preview = client.post(
        reverse("forum:preview"), {"body": "**hi**"}, headers={"HX-Request": "true"}
    )
    assert preview.status_code == 200
    assert_strict(preview)
    forbidden = client.get("/admin/")
    assert forbidden.status_code in (302, 403)
    assert_strict(forbidden)
    assert_strict(client.get("/staff/notifications/"))

    client.force_login(admin_user)
    admin_page = client.get("/admin/")
    assert admin_page.status_code == 200
    assert_strict(admin_page)


@pytest.mark.urls(__name__)
def test_server_error_page_carries_the_policy(client):
    client.raise_request_exception = False

    response = client.get("/boom/")

    assert response.status_code == 500
    assert_strict(response)


def test_templates_need_no_inline_style_for_colours(client, topic):
    brand = factories.make_brand("Brevetto")
    brand.colour = "#123abc"
    brand.save()
    topic.category.colour = "#aa3300"
    topic.category.save()

    page = client.get(topic.category.get_absolute_url()).content.decode()
    css = client.get("/colours.css")

    assert " style=" not in page
    assert category_class(topic.category.pk) in page
    assert css["Content-Type"].startswith("text/css")
    body = css.content.decode()
    assert f".{category_class(topic.category.pk)}{{--category-colour:#aa3300;" in body
    assert f".{brand_class(brand.pk)}{{--label-colour:#123abc}}" in body
    again = client.get("/colours.css", headers={"If-None-Match": css["ETag"]})
    assert again.status_code == 304


def test_colours_stylesheet_refuses_anything_but_hex_colours(client, category):
    category.colour = "red}*{x"
    category.save()

    body = client.get("/colours.css").content.decode()

    assert "red" not in body
