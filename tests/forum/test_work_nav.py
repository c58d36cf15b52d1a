"""The header by role (issue 20): each role finds its work from the navigation.

A moderator sees "Review (N)" with the posts waiting in the categories they
moderate, and links to the appeals and the moderation log; an administrator
also the admin site and delivery health, and never "Brand requests" (the
queue is a representative's work); a representative sees the brand queue
with its count. The counts cost one query per page.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum import actions as forum_actions
from moderation.actions.appeals import appeal_action
from moderation.actions.flags import flag_post
from moderation.actions.posts import hide_post
from moderation.models import Rule
from tests.factories import (
    make_admin,
    make_brand,
    make_brand_rep,
    make_category,
    make_moderator,
    make_post,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db


def _header(client, user, url="/"):
    client.force_login(user)
    html = client.get(url).content.decode()
    return html.split('<header class="site-header">')[1].split("</header>")[0]


@pytest.fixture
def places():
    mine = make_category("Grinders", slug="grinders")
    other = make_category("Off-topic", slug="off-topic")
    return mine, other


def _flag(post, times=1):
    for _ in range(times):
        flag_post(make_user(), post, kind="inappropriate")


def test_a_moderator_sees_the_review_queue_with_their_count(client, places):
    mine, other = places
    moderator = make_moderator(mine, "dot")
    _flag(make_post(make_topic(mine)))
    _flag(make_post(make_topic(mine)), times=2)  # one post, counted once
    _flag(make_post(make_topic(other)))  # not theirs

    header = _header(client, moderator)

    assert f'href="{reverse("moderation:queue")}">Review (2)</a>' in header
    assert f'href="{reverse("moderation:appeals")}">Appeals (0)</a>' in header
    assert f'href="{reverse("moderation:log")}">Moderation log</a>' in header
    assert "Admin site" not in header
    assert "Delivery health" not in header
    assert "Brand requests" not in header


def test_the_appeals_count_is_what_the_moderator_may_decide(client, places):
    mine, _other = places
    moderator = make_moderator(mine, "dot")
    colleague = make_moderator(mine, "kwame")
    rule = Rule.objects.create(number=1, title="Be kind")
    author = make_user("sam")
    post = make_post(make_topic(mine), author=author)
    action = hide_post(colleague, post, rule=rule, reason="Personal attack.")
    appeal_action(author, action, statement="It was a joke between friends.")

    assert "Appeals (1)</a>" in _header(client, moderator)
    # Never their own action's appeal.
    assert "Appeals (0)</a>" in _header(client, colleague)


def test_an_admin_sees_the_admin_site_and_delivery_health_not_brand_requests(
    client, places
):
    mine, other = places
    _flag(make_post(make_topic(mine)))
    _flag(make_post(make_topic(other)))
    admin = make_admin("ines")

    header = _header(client, admin)

    assert f'href="{reverse("admin:index")}">Admin site</a>' in header
    assert f'href="{reverse("notifications:health")}">Delivery health</a>' in header
    assert "Review (2)</a>" in header  # every category
    assert "Appeals (0)</a>" in header
    assert "Brand requests" not in header
    # The links lead somewhere the admin may go.
    client.force_login(admin)
    for url in (reverse("admin:index"), reverse("notifications:health")):
        assert client.get(url).status_code == 200


def test_a_representative_sees_the_brand_queue_with_its_count(client, places):
    mine, _other = places
    rep = make_brand_rep("marco")
    asker = make_user("sam")
    topic = make_topic(mine, asker, title="Duo shows E4 after descaling")
    forum_actions.ask_brand(asker, topic, make_brand(), note="Known issue?")

    header = _header(client, rep)

    assert f'href="{reverse("forum:brand_queue")}">Brand requests (1)</a>' in header
    assert "Review (" not in header
    assert "Appeals" not in header
    assert "Admin site" not in header
    client.force_login(rep)
    page = client.get(reverse("forum:brand_queue")).content.decode()
    assert "Duo shows E4 after descaling" in page


def test_a_member_sees_none_of_it(client, places):
    header = _header(client, make_user("sam"))
    for text in (
        "Review (",
        "Appeals",
        "Moderation log",
        "Admin site",
        "Brand requests",
    ):
        assert text not in header


@pytest.mark.parametrize("role", ["moderator", "admin", "rep"])
def test_the_counts_cost_one_query_whatever_is_waiting(client, places, role):
    mine, _other = places
    user = {
        "moderator": lambda: make_moderator(mine, "dot"),
        "admin": lambda: make_admin("ines"),
        "rep": lambda: make_brand_rep("marco"),
    }[role]()
    client.force_login(user)
    url = reverse("permissions:how_it_works")  # a page with no queries of its own
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(4):
        asker = make_user()
        topic = make_topic(mine, asker)
        _flag(topic.posts.get(number=1))
        forum_actions.ask_brand(asker, topic, make_brand())
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()

    assert len(many.captured_queries) == len(few.captured_queries)
    assert "(4)</a>" in html
    counting = [q["sql"] for q in many.captured_queries if "COUNT(" in q["sql"].upper()]
    # Loading the user reads the header's unread counts with its row
    # (accounts.backends); the header reads them again after the view (one
    # count query); the work counts are one more.
    assert len(counting) == 3, counting
    assert "hearth_unread_notifications" in counting[0]
