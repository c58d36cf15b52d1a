"""What people see: the Elsewhere page, the public list of sources, the
withdrawal link, the category stream, search, link cards, the highlights
feed and the admin screens; and what each page costs in queries."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import feedparser
import pytest
from django.core import mail, signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from elsewhere import actions, tasks
from elsewhere.models import Item, Source
from elsewhere.parse import Entry
from forum import actions as forum_actions
from forum.models import CategoryKind
from ideas import actions as idea_actions
from ideas.models import DecisionOwner
from tests.factories import (
    make_brand_rep,
    make_category,
    make_post,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db


def _entries(n: int, *, prefix: str = "eu", start: int = 0) -> list[Entry]:
    now = timezone.now()
    return [
        Entry(
            guid=f"urn:{prefix}:{i}",
            url=f"https://{prefix}.example/t/{i}",
            title=f"Tamping pressure, thread {i}",
            author="ines",
            published=now - timedelta(minutes=i),
            excerpt=f"Does tamping harder <really> matter? Thread {i}.",
        )
        for i in range(start, start + n)
    ]


def _count(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


# --- The Elsewhere page and the sources page -----------------------------------------


def test_the_elsewhere_page_links_out_attributed_and_escaped(client, register):
    source = register(name="Espresso Underground")
    actions.store_items(source, _entries(2), now=timezone.now())

    html = client.get(reverse("elsewhere:index")).content.decode()

    assert "Elsewhere in the community" in html
    assert (
        '<a class="elsewhere-external" href="https://eu.example/t/0" '
        'rel="noopener nofollow ugc">Tamping pressure, thread 0</a>'
    ) in html
    assert "Espresso Underground</a> · ines" in html
    assert "Does tamping harder &lt;really&gt; matter?" in html
    assert "<really>" not in html


def test_the_sources_page_shows_every_opt_in_and_withdrawn_ones_as_withdrawn(
    client, register
):
    listed = register(name="Espresso Underground")
    gone = register(name="Crema Notes", feed_url="https://crema.example/feed")
    actions.store_items(gone, _entries(1, prefix="crema"), now=timezone.now())
    actions.withdraw_source(actions.withdrawal_token(gone))

    html = client.get(reverse("elsewhere:sources")).content.decode()
    page = client.get(reverse("elsewhere:index")).content.decode()

    assert f'id="source-{listed.pk}"' in html and f'id="source-{gone.pk}"' in html
    assert "Ines (forum owner)" in html
    assert "https://espresso-underground.example/t/listing" in html
    assert listed.requested_at.strftime("%-d %B %Y") in html
    assert html.count(">Withdrawn</span>") == 1
    assert "Crema Notes" not in page and "crema.example/t" not in page
    assert "owner@espresso-underground.example" not in html


# --- Withdrawal ---------------------------------------------------------------------


def test_the_owner_withdraws_through_the_emailed_link(client, register, settings):
    source = register(send_link=True)
    actions.store_items(source, _entries(3), now=timezone.now())
    assert "Tamping pressure" in client.get(reverse("elsewhere:index")).content.decode()

    assert tasks.email_withdrawal_link(source.pk) is True
    (email,) = mail.outbox
    assert email.to == ["owner@espresso-underground.example"]
    link = next(line for line in email.body.splitlines() if "/withdraw/" in line)
    path = link.strip().removeprefix(settings.SITE_URL)

    confirm = client.get(path)
    assert confirm.status_code == 200
    assert b"Withdraw Espresso Underground" in confirm.content
    done = client.post(path)

    assert done.status_code == 200
    assert b"is withdrawn" in done.content
    assert not Item.objects.filter(source=source).exists()
    assert (
        "Tamping pressure"
        not in client.get(reverse("elsewhere:index")).content.decode()
    )
    source.refresh_from_db()
    assert source.status == Source.Status.WITHDRAWN
    # The link again: harmless, and says so.
    assert b"withdrew on" in client.get(path).content


def test_an_expired_or_forged_withdrawal_link_changes_nothing(client, register):
    source = register()
    actions.store_items(source, _entries(1), now=timezone.now())

    class OldSigner(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time()) - 31 * 86400)

    old = OldSigner(salt=actions.WITHDRAW_SALT).sign_object({"source": source.pk})
    forged = signing.dumps({"source": source.pk}, salt="something else")

    expired = client.post(reverse("elsewhere:withdraw", args=[old]))
    bad = client.post(reverse("elsewhere:withdraw", args=[forged]))

    assert expired.status_code == 404 and b"expired" in expired.content
    assert bad.status_code == 404 and b"not valid" in bad.content
    source.refresh_from_db()
    assert source.status == Source.Status.ACTIVE
    assert Item.objects.filter(source=source).count() == 1
    with pytest.raises(ValidationError):
        actions.withdraw_source(old)


# --- Registering: administrators only, with an opt-in ------------------------------


def test_only_administrators_register_and_only_with_an_opt_in(register, admin_user):
    with pytest.raises(PermissionDenied):
        actions.register_source(
            make_user("member"),
            name="Mine",
            site_url="https://mine.example/",
            feed_url="https://mine.example/feed",
            contact_email="me@mine.example",
            requested_by="me",
            requested_at=timezone.now(),
            request_note="I asked myself.",
            request_link="https://mine.example/asked",
        )
    with pytest.raises(ValidationError) as missing:
        register(request_note="", request_link="javascript:alert(1)")
    assert set(missing.value.message_dict) == {"request_note"}
    with pytest.raises(ValidationError) as bad_link:
        register(request_link="javascript:alert(1)")
    assert set(bad_link.value.message_dict) == {"request_link"}
    assert not Source.objects.exists()


def test_the_admin_form_registers_a_source_and_shows_fetch_health(client, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:elsewhere_source_add")
    fields = {
        "name": "Espresso Underground",
        "site_url": "https://espresso-underground.example/",
        "feed_url": "https://espresso-underground.example/feed.rss",
        "description": "An independent espresso forum",
        "contact_email": "owner@espresso-underground.example",
        "fetch_interval_minutes": "60",
        "requested_by": "Ines",
        "requested_at_0": "2026-11-02",
        "requested_at_1": "10:00:00",
        "request_note": "",
        "request_link": "https://espresso-underground.example/t/listing",
    }

    refused = client.post(url, fields)

    assert refused.status_code == 200
    assert b"Say how they asked" in refused.content
    assert b"An independent espresso forum" in refused.content
    assert not Source.objects.exists()

    added = client.post(url, {**fields, "request_note": "Asked in their news thread."})

    assert added.status_code == 302
    source = Source.objects.get()
    assert source.approved_by == admin_user
    Source.objects.filter(pk=source.pk).update(failure_count=3, last_error="dns: gone")
    listing = client.get(reverse("admin:elsewhere_source_changelist")).content
    assert b"dns: gone" in listing


# --- Category stream, search, link cards --------------------------------------------


def test_a_category_page_streams_its_tied_communities(client, register):
    grinders = make_category("Grinders", slug="grinders")
    other = make_category("Milk", slug="milk")
    tied = register(categories=[grinders])
    actions.store_items(tied, _entries(2), now=timezone.now())
    make_topic(grinders, title="Flat or conical burrs?")

    html = client.get(grinders.get_absolute_url()).content.decode()
    elsewhere_html = client.get(other.get_absolute_url()).content.decode()

    assert 'id="elsewhere-stream-heading"' in html
    assert 'href="https://eu.example/t/1" rel="noopener nofollow ugc"' in html
    assert "elsewhere-stream-heading" not in elsewhere_html


def test_search_shows_matching_items_labelled_as_external(client, register):
    source = register()
    actions.store_items(source, _entries(2), now=timezone.now())
    make_topic(make_category(), title="Tamping pressure at home")

    html = client.get(reverse("forum:search") + "?q=tamping+pressure").content.decode()

    assert "From other communities" in html
    assert '<span class="label">External</span>' in html
    assert 'href="https://eu.example/t/0" rel="noopener nofollow ugc"' in html
    nothing = client.get(reverse("forum:search") + "?q=portafilter").content.decode()
    assert "From other communities" not in nothing


def test_a_post_linking_to_an_item_shows_a_link_card(client, register):
    source = register(name="Espresso Underground")
    actions.store_items(source, _entries(2), now=timezone.now())
    topic = make_topic(
        make_category(),
        title="Tamping",
        body="Good thread over there: <https://eu.example/t/1>",
    )
    make_post(topic, body="And [this one](https://eu.example/t/0) too.")
    make_post(topic, body="No links here.")

    html = client.get(topic.get_absolute_url()).content.decode()

    assert html.count('class="elsewhere-card"') == 2
    assert "Tamping pressure, thread 1" in html
    assert 'href="https://eu.example/t/0" rel="noopener nofollow ugc"' in html


# --- The highlights feed ---------------------------------------------------------------


def _achievements():
    help_ = make_category("Help", slug="help", kind=CategoryKind.QUESTIONS)
    asker = make_user("asker")
    question = make_topic(help_, asker, title="Why is my shot sour?")
    answer = make_post(question, make_user("helper"), body="Grind finer.")
    forum_actions.accept_answer(asker, answer)
    ideas = make_category("Ideas", slug="ideas", kind=CategoryKind.IDEAS)
    idea = make_topic(ideas, asker, title="A pressure gauge on the group head")
    rep = make_brand_rep("rep")
    DecisionOwner.objects.create(brand=rep.brand, user=rep)
    idea_actions.decide(rep, idea, status="shipped", rationale="Shipped in 2.1.")
    return question, idea


def test_the_highlights_feed_is_off_until_an_admin_turns_it_on(client, admin_user):
    question, _idea = _achievements()
    how = reverse("permissions:how_it_works")
    assert client.get(reverse("elsewhere:highlights_atom")).status_code == 404
    assert client.get(reverse("elsewhere:highlights_json")).status_code == 404
    assert b"highlights.atom" not in client.get(how).content

    actions.set_highlights_feed(admin_user, enabled=True)

    atom = feedparser.parse(client.get(reverse("elsewhere:highlights_atom")).content)
    titles = {entry.title for entry in atom.entries}
    assert titles == {
        "Solved: Why is my shot sour?",
        "Shipped: A pressure gauge on the group head",
    }
    data = json.loads(client.get(reverse("elsewhere:highlights_json")).content)
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert {item["tags"][0] for item in data["items"]} == {"solved", "shipped"}
    assert any(
        item["url"].endswith(question.get_absolute_url()) for item in data["items"]
    )
    assert b"highlights.atom" in client.get(how).content

    actions.set_highlights_feed(admin_user, enabled=False)
    assert client.get(reverse("elsewhere:highlights_json")).status_code == 404


def test_only_administrators_turn_the_highlights_feed_on():
    with pytest.raises(PermissionDenied):
        actions.set_highlights_feed(make_brand_rep("rep"), enabled=True)


# --- Query counts ------------------------------------------------------------------


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_pages_cost_the_same_queries_at_two_sizes(
    client, register, signed_in, settings
):
    if signed_in:
        client.force_login(make_user("reader"))
        # The render itself: pages served from the per-class cache are
        # pinned in tests/forum/test_class_cache.py.
        settings.ANON_CACHE_SECONDS = 0
    grinders = make_category("Grinders", slug="grinders")
    first = register(name="Espresso Underground", categories=[grinders])
    actions.store_items(first, _entries(3), now=timezone.now())
    topic = make_topic(grinders, title="Links", body="See <https://eu.example/t/1>")
    make_post(topic, body="And <https://eu.example/t/2>")
    urls = [
        reverse("elsewhere:index"),
        reverse("elsewhere:sources"),
        grinders.get_absolute_url(),
        topic.get_absolute_url(),
        reverse("forum:search") + "?q=tamping",
    ]
    small = {url: _count(client, url) for url in urls}

    for n in range(6):
        source = register(
            name=f"Community {n}",
            feed_url=f"https://c{n}.example/feed",
            categories=[grinders],
        )
        actions.store_items(
            source, _entries(40, prefix=f"c{n}", start=0), now=timezone.now()
        )
    for n in range(3, 40):
        make_post(
            topic,
            body=f"Also <https://c1.example/t/{n}> and <https://eu.example/t/{n % 3}>",
        )
    large = {url: _count(client, url) for url in urls}

    assert large == small


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process, like `make run` without a worker."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_registering_in_the_admin_emails_the_withdrawal_link_and_resends_it(
    client, admin_user, eager_tasks, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:elsewhere_source_add"),
            {
                "name": "Crema Notes",
                "site_url": "https://crema-notes.example/",
                "feed_url": "https://crema-notes.example/atom.xml",
                "contact_email": "jun@crema-notes.example",
                "fetch_interval_minutes": "120",
                "requested_by": "Jun",
                "requested_at_0": "2026-11-20",
                "requested_at_1": "09:30:00",
                "request_note": "Jun asked in a comment on his blog.",
                "request_link": "https://crema-notes.example/2026/11/review/#c412",
            },
        )
    source = Source.objects.get()
    assert [m.to for m in mail.outbox] == [["jun@crema-notes.example"]]
    assert "/elsewhere/withdraw/" in mail.outbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:elsewhere_source_changelist"),
            {"action": "send_withdrawal_links", "_selected_action": [source.pk]},
        )

    assert response.status_code == 302
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == ["jun@crema-notes.example"]


def test_the_highlights_feeds_cost_the_same_queries_at_two_sizes(client, admin_user):
    _achievements()
    actions.set_highlights_feed(admin_user, enabled=True)
    urls = [reverse("elsewhere:highlights_atom"), reverse("elsewhere:highlights_json")]
    small = {url: _count(client, url) for url in urls}

    help_ = make_category("More help", slug="more-help", kind=CategoryKind.QUESTIONS)
    for n in range(12):
        asker = make_user(f"asker{n}")
        question = make_topic(help_, asker, title=f"Channeling question {n}")
        forum_actions.accept_answer(asker, make_post(question, body="Use a WDT tool."))
    large = {url: _count(client, url) for url in urls}

    assert large == small
