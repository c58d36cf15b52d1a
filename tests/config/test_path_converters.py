"""Path segments that can't name anything answer 404, never a 500: the URL
converters (config/converters.py) refuse NUL, control characters and
anything a username, slug or id can't hold before a view or the database
sees them. Run with DATABASE_URL on PostgreSQL too (a NUL in a query
parameter is an error there, not a miss)."""

import pytest

from tests.factories import make_category, make_topic, make_user

pytestmark = pytest.mark.django_db

NUL_AND_FRIENDS = ["%00", "a%00b", "%01", "%7F", "a%0Ab", "%C2%A0", "a%20b", "a'b"]


@pytest.fixture
def scene():
    user = make_user("alice")
    category = make_category("General", slug="general")
    topic = make_topic(category, user, title="A topic about descaling")
    return {"user": user, "topic": topic}


@pytest.mark.parametrize("segment", NUL_AND_FRIENDS)
def test_profile_of_an_impossible_username_is_404(client, scene, segment):
    response = client.get(f"/u/{segment}/")
    assert response.status_code == 404
    assert b"<html" in response.content  # the site's error page


@pytest.mark.parametrize(
    "url",
    [
        "/u/%00/sanction/",
        "/c/%00/",
        "/c/gen%00eral/new-topic/",
        "/tags/%00/",
        "/feeds/c/%00/",
        "/c/%00/watch/",
        "/t/%00/{topic}/",
        "/t/a%00b/{topic}/2",
        "/p/99999999999999999999999/",
        "/t/99999999999999999999999/",
        "/notifications/99999999999999999999999/open/",
    ],
)
def test_impossible_segments_are_404_everywhere(client, scene, url):
    url = url.format(topic=scene["topic"].pk)
    anonymous = client.get(url)
    if anonymous.status_code == 302:  # a page for members: sign in first
        assert anonymous["Location"].startswith("/accounts/login/"), url
    else:
        assert anonymous.status_code == 404, url
    client.force_login(make_user("moderator", is_staff=True))
    assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("url", ["/unsubscribe/%00/", "/appeal/%00/"])
def test_impossible_tokens_get_the_invalid_link_page(client, db, url):
    response = client.get(url)
    assert response.status_code in (400, 404)
    assert b"<html" in response.content


def test_real_usernames_slugs_and_old_slugs_still_resolve(client, scene):
    dotted = make_user("jo.b-c_d+e@x")
    unicode_name = make_user("zoë")
    assert client.get(dotted.get_absolute_url()).status_code == 200
    assert client.get(unicode_name.get_absolute_url()).status_code == 200
    assert client.get("/u/alice/").status_code == 200
    topic = scene["topic"]
    assert client.get(topic.get_absolute_url()).status_code == 200
    # Any other slug (an old one, a hand-typed one) still redirects.
    old = client.get(f"/t/caf%C3%A9-old-title/{topic.pk}/")
    assert old.status_code == 301
    assert old["Location"] == topic.get_absolute_url()
