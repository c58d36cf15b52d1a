"""The demo community `make run` loads (issue 20): its content is data in
demo/, it exercises the features (rules, a moderation history with appeals,
open flags, a handful of notifications), and crawling it as each role finds
no broken page."""

import html
import re
from collections import deque
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from forum.management import demo_data
from forum.models import Post, Topic
from moderation.models import ActionKind, Appeal, AppealStatus, ModerationAction
from notifications.models import Notification

pytestmark = pytest.mark.django_db

LOGINS = ("member", "mod", "rep", "admin")


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_the_demo_content_is_data_read_from_demo_toml_files():
    demo = demo_data.load()

    assert demo.community_name == "Home Espresso Commons"
    assert demo.brand["name"] == "Brevetto"
    assert {p["username"] for p in demo.people} >= set(LOGINS)
    # Every topic file names a category, and topics keep the files' order.
    slugs = [c["slug"] for c in demo.categories] + [
        child["slug"] for c in demo.categories for child in c.get("children", [])
    ]
    assert all(topic["category"] in slugs for topic in demo.topics)
    welcome = demo.topics[0]
    assert welcome["title"].startswith("Welcome to Home Espresso Commons")
    assert welcome["body"].startswith("Hi everyone")  # literal strings, no indent
    assert (demo_data.DEMO_DIR / "topics" / "announcements.toml").exists()


def test_the_demo_has_rules_a_moderation_history_and_a_few_notifications(client):
    output = _seed()
    now = timezone.now()

    # seed_demo says what it is doing.
    assert "topics 10/" in output
    assert "moderation: 5 rules" in output

    # Numbered rules, offered by the moderation forms.
    rules = client.get(reverse("moderation:rules")).content.decode()
    assert "Be kind" in rules and "Stay on topic" in rules
    client.login(username="mod", password="hearth-demo")
    post = Post.objects.filter(topic__title__startswith="Hard water in Vienna").last()
    form = client.get(reverse("moderation:post_hide", args=[post.pk])).content.decode()
    assert "1. Be kind" in form and "3. No spam or uninvited selling" in form

    # A public history: hides, a lock, a move, all citing rules; one appeal
    # upheld (the hide reversed), one refused.
    kinds = list(ModerationAction.objects.values_list("kind", flat=True))
    assert kinds.count(ActionKind.POST_HIDDEN) >= 3
    assert ActionKind.TOPIC_LOCKED in kinds and ActionKind.TOPIC_MOVED in kinds
    assert not ModerationAction.objects.filter(rule__isnull=True).exists()
    upheld = Appeal.objects.get(status=AppealStatus.UPHELD)
    assert upheld.action.reversed_at is not None
    assert Appeal.objects.filter(status=AppealStatus.DENIED).count() == 1
    log = Client().get(reverse("moderation:log")).content.decode()
    for text in ("1. Be kind", "2. Stay on topic", "3. No spam or uninvited selling"):
        assert text in log
    moved = Topic.objects.get(title__startswith="Macina Mini: are the grind steps")
    assert moved.category.slug == "grinders"
    # Spread over weeks, not all "just now".
    dates = {a.created_at.date() for a in ModerationAction.objects.all()}
    assert len(dates) >= 4

    # Open flags in the review queue, one from a representative (labelled).
    queue = client.get(reverse("moderation:queue")).content.decode()
    assert queue.count('class="card queue-item"') == 3
    assert "Review (3)" in queue

    # A handful of notifications each, dated when things happened.
    for login in LOGINS:
        user = User.objects.get(username=login)
        unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
        assert 1 <= unread.count() <= 4, login
        stamps = list(unread.values_list("created_at", flat=True))
        assert all(now - timedelta(days=14) < s <= now for s in stamps), login
        everything = Notification.objects.filter(recipient=user)
        assert everything.values("created_at").distinct().count() > 3, login
    health = client.get(reverse("health:index"))
    assert health.status_code == 200


# --- A link crawl of the demo as each role ------------------------------------------

HREF = re.compile(r'href="(/[^"#]*)')
SKIP = (
    "/static/",
    "/media/",
    "/images/",
    "/accounts/logout/",
    "/admin/logout/",
    "/colours.css",
)
PAGES_PER_ROLE = 120


def _crawl(client: Client, start: str = "/") -> dict[str, int]:
    """Breadth-first over internal links, GET only, at most PAGES_PER_ROLE pages."""
    seen = {start}
    queue = deque([start])
    statuses: dict[str, int] = {}
    while queue and len(statuses) < PAGES_PER_ROLE:
        url = queue.popleft()
        response = client.get(url)
        statuses[url] = response.status_code
        if response.status_code != 200:
            continue
        if "html" not in response.get("Content-Type", ""):
            continue
        for link in HREF.findall(response.content.decode()):
            link = html.unescape(link)
            if link.startswith(SKIP) or link in seen:
                continue
            # One page of each list is enough.
            if "page=" in link and not link.endswith("page=2"):
                continue
            seen.add(link)
            queue.append(link)
    return statuses


def test_a_crawl_of_the_demo_as_each_role_finds_no_broken_page():
    _seed()
    # Pages that answer "not for you" on purpose are fine (403, 405); a broken
    # link (404) or a crash (500) is not.
    work = {
        "mod": [reverse("moderation:queue"), reverse("moderation:appeals")],
        "rep": [reverse("forum:brand_queue")],
        "admin": [reverse("admin:index"), reverse("notifications:health")],
    }
    for login in (None, *LOGINS):
        client = Client(raise_request_exception=False)
        if login is not None:
            client.login(username=login, password="hearth-demo")
        statuses = _crawl(client)
        assert len(statuses) > 30, (login, len(statuses))
        broken = {url: s for url, s in statuses.items() if s == 404 or s >= 500}
        assert not broken, (login, broken)
        # Each role's work is linked from the pages it sees.
        for url in work.get(login or "", []):
            assert statuses.get(url) == 200, (login, url)
