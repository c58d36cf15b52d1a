"""The read API over HTTP: what each reader gets, tombstones, cursors,
query budgets, errors, and the OpenAPI document."""

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openapi_spec_validator import validate

from forum.models import Topic
from moderation.actions.posts import remove_post
from permissions import policy
from tests.api.conftest import bearer
from tests.factories import make_post, make_tag, make_topic, make_user

pytestmark = pytest.mark.django_db


def _ids(items):
    return {item["id"] for item in items}


def test_a_visitor_sees_public_categories_and_topics_only(client, world):
    get = bearer(client)

    categories = get("/api/v1/categories").json()["items"]
    latest = get("/api/v1/topics/latest").json()

    assert {c["slug"] for c in categories} == {"espresso"}
    assert _ids(latest["items"]) == {world["visible"].pk}
    assert latest["next_cursor"] is None
    assert get("/api/v1/categories/beta-lab/topics").status_code == 404
    assert get(f"/api/v1/topics/{world['lab_topic'].pk}/posts").status_code == 404
    assert get(f"/api/v1/topics/{world['hidden_topic'].pk}/posts").status_code == 404


def test_a_group_members_token_reads_the_group_category(client, world):
    get = bearer(client, world["insider"])

    slugs = {c["slug"] for c in get("/api/v1/categories").json()["items"]}
    topics = get("/api/v1/categories/beta-lab/topics").json()["items"]

    assert slugs == {"espresso", "beta-lab"}
    assert _ids(topics) == {world["lab_topic"].pk}
    assert get(f"/api/v1/topics/{world['lab_topic'].pk}/posts").status_code == 200


def test_a_hidden_post_is_a_tombstone_with_its_words_as_on_the_page(client, world):
    topic = world["visible"]
    remove_post(
        world["moderator"],
        topic.posts.get(number=3),
        kind="spam",
        rule=world["rule"],
        reason="Link farm",
    )

    answer = bearer(client)(f"/api/v1/topics/{topic.pk}/posts").json()

    first, hidden, removed = answer["items"]
    assert answer["topic"]["title"] == "Grinding for espresso"
    assert first["state"] == "visible" and first["body_markdown"]
    assert hidden["state"] == "hidden"
    assert hidden["hide_reason"] == "Personal attack"
    assert hidden["body_html"] == world["hidden_reply"].body_html
    assert removed["state"] == "removed"
    assert removed["body_html"] is removed["body_markdown"] is None
    # The page shows the same three: the hidden words on click, none of the removed.
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "Hidden by moderators: Personal attack" in page
    assert "Moderators removed this post as spam" in page


def test_a_moderators_token_sees_the_hidden_topic_in_their_category(client, world):
    get = bearer(client, world["moderator"])

    latest = _ids(get("/api/v1/topics/latest").json()["items"])

    assert world["hidden_topic"].pk in latest
    assert world["staff_topic"].pk not in latest
    assert get(f"/api/v1/topics/{world['hidden_topic'].pk}/posts").status_code == 200


def test_cursors_walk_every_topic_once_in_a_stable_order(client, world, settings):
    for n in range(65):
        make_topic(world["public"], world["author"], title=f"Topic number {n}")
    get = bearer(client)
    seen, cursor, pages = [], None, 0
    while True:
        path = "/api/v1/categories/espresso/topics"
        answer = get(path + (f"?cursor={cursor}" if cursor else "")).json()
        seen += [item["id"] for item in answer["items"]]
        pages += 1
        cursor = answer["next_cursor"]
        if cursor is None:
            break

    expected = list(
        policy.visible_topics(
            AnonymousUser(), Topic.objects.filter(category=world["public"])
        )
        .order_by("-last_posted_at", "-pk")
        .values_list("pk", flat=True)
    )
    assert seen == expected
    assert len(seen) == 66 and pages == 3


def test_posts_are_paged_by_number(client, world):
    topic = world["visible"]
    for n in range(55):
        make_post(topic, world["author"], body=f"Reply number {n}")
    get = bearer(client)

    first = get(f"/api/v1/topics/{topic.pk}/posts").json()
    second = get(
        f"/api/v1/topics/{topic.pk}/posts?cursor={first['next_cursor']}"
    ).json()

    numbers = [p["number"] for p in first["items"] + second["items"]]
    assert numbers == list(range(1, 59))
    assert second["next_cursor"] is None


def test_a_bad_cursor_is_a_400_not_a_500(client, world):
    get = bearer(client)
    for cursor in ("nonsense", "W10", "WyJ4IiwxXQ", "%00"):
        response = get(f"/api/v1/topics/latest?cursor={cursor}")
        assert response.status_code == 400, cursor
        assert "cursor" in response.json()["detail"]


def _count(get, path):
    with CaptureQueriesContext(connection) as queries:
        response = get(path)
    assert response.status_code == 200, path
    return len([q for q in queries if "django_session" not in q["sql"]])


PATHS = [
    "/api/v1/categories",
    "/api/v1/topics/latest",
    "/api/v1/categories/espresso/topics",
    "/api/v1/moderation-log",
    "/api/v1/users/ada",
    "/api/v1/health",
]


@pytest.mark.parametrize("reader", ["anonymous", "member"])
def test_query_counts_stay_constant_as_data_grows(client, world, reader):
    user = None if reader == "anonymous" else world["member"]
    get = bearer(client, user)
    topic = world["visible"]
    paths = [*PATHS, f"/api/v1/topics/{topic.pk}/posts"]
    make_tag("grinders")
    get(paths[0])  # the token's first use writes its last-used time
    small = {path: _count(get, path) for path in paths}
    for n in range(40):
        other = make_topic(
            world["public"], make_user(), title=f"More topics {n}", tags=["grinders"]
        )
        make_post(other, world["author"])
        make_post(topic, make_user())
    large = {path: _count(get, path) for path in paths}

    assert large == small
    # Pinned, so a change that adds a query to a page is a decision. A token
    # costs two (its lookup and the conditional last-used UPDATE), and one more
    # where the policy reads the member's groups and assignments.
    posts = f"/api/v1/topics/{topic.pk}/posts"
    expected = {
        "anonymous": {
            "/api/v1/categories": 1,
            "/api/v1/topics/latest": 2,  # topics, their tags
            "/api/v1/categories/espresso/topics": 4,
            "/api/v1/moderation-log": 2,
            "/api/v1/users/ada": 8,
            "/api/v1/health": 2,
            posts: 4,
        },
        "member": {
            "/api/v1/categories": 4,
            "/api/v1/topics/latest": 5,
            "/api/v1/categories/espresso/topics": 7,
            "/api/v1/moderation-log": 5,
            "/api/v1/users/ada": 11,
            "/api/v1/health": 4,
            posts: 7,
        },
    }
    assert small == expected[reader]


def test_the_openapi_document_validates(client, db):
    response = client.get("/api/v1/openapi.json")

    document = response.json()
    validate(document)
    assert "/api/v1/topics/{topic_id}/posts" in document["paths"]
    assert document["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_the_docs_page_runs_no_inline_script(client, db):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Content-Security-Policy" in response.headers
    # Scripts come from the site's static files; the settings are a JSON data block.
    for chunk in html.split("<script")[1:]:
        opening = chunk.split(">", 1)[0]
        assert "src=" in opening or 'type="application/json"' in opening, opening


def test_a_suspended_or_closed_profile_matches_the_page(client, world):
    get = bearer(client)
    closed = make_user("gone", is_active=False)

    assert get("/api/v1/users/ada").json()["name"] == "ada"
    assert get(f"/api/v1/users/{closed.username}").status_code == 404
    assert client.get(f"/u/{closed.username}/").status_code == 404


def test_health_figures_for_a_public_category_only(client, world):
    get = bearer(client)

    whole = get("/api/v1/health").json()

    assert whole["category"] is None
    assert {t["key"] for t in whole["tables"]}
    assert len(whole["tables"][0]["rows"]) == 12
    assert get("/api/v1/health?category=espresso").json()["category"] == "espresso"
    assert get("/api/v1/health?category=beta-lab").status_code == 404


def test_the_moderation_log_shows_aliases_and_names_only_to_staff(client, world):
    visitor = bearer(client)("/api/v1/moderation-log").json()["items"]
    (entry,) = visitor
    assert entry["actor_alias"].startswith("Moderator #")
    assert entry["actor_name"] is None
    assert entry["kind"] == "post_hidden"
    assert entry["reason"] == "Personal attack"
    assert json.dumps(visitor).count("mira") == 0
