"""The public /community/health/ page and its CSV downloads."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from forum.models import CategoryKind
from health import compute, queries
from health.models import HealthMonth
from tests.factories import (
    PASSWORD,
    make_brand_rep,
    make_category,
    make_group,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

URL = "/community/health/"


def _months(n: int) -> list[dt.date]:
    return queries.month_range(timezone.now().date(), n)


def _rows(category, n_months: int) -> None:
    now = timezone.now()
    for i, month in enumerate(_months(n_months)):
        HealthMonth.objects.create(
            month=month,
            category=category,
            computed_at=now,
            questions=10 + i,
            accepted_member=3,
            accepted_brand=1,
            first_reply_member=6,
            first_reply_brand=2,
            first_reply_staff=2,
            peer_replied=5,
            peer_reply_median_s=5400,
            peer_reply_p90_s=36000,
            questions_48h=10,
            unanswered_48h=1,
            topics_replied=8,
            community_topics=2,
            newcomers=4,
            newcomers_welcomed=3,
            newcomers_returned=1,
            ideas_due=4,
            ideas_in_time=3,
            ideas_late=1,
            idea_response_median_s=6 * 86400,
        )


def _count(client, url: str) -> int:
    client.get(url)  # warm per-process caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_page_query_count_is_constant(client):
    """Two queries (public categories, the twelve months of rows) plus the
    session, whatever the number of rows and categories."""
    category = make_category("Grinders", slug="grinders")
    _rows(None, 2)
    _rows(category, 2)
    small = (_count(client, URL), _count(client, URL + "?category=grinders"))
    for n in range(6):
        c = make_category(f"More {n}", slug=f"more-{n}", parent=category)
        _rows(c, 12)
    HealthMonth.objects.all().delete()
    _rows(None, 12)
    _rows(category, 12)
    large = (_count(client, URL), _count(client, URL + "?category=grinders"))
    assert small == large == (2, 2)


def test_page_query_count_is_constant_for_a_member(client):
    member = make_user()
    client.login(username=member.username, password=PASSWORD)
    category = make_category("Grinders", slug="grinders")
    _rows(category, 1)
    small = _count(client, URL + "?category=grinders")
    for n in range(6):
        make_category(f"More {n}", slug=f"more-{n}")
    HealthMonth.objects.all().delete()
    _rows(category, 12)
    _rows(None, 12)
    assert _count(client, URL + "?category=grinders") == small


def test_page_shows_the_figures_with_charts_and_tables(client):
    _rows(None, 12)
    response = client.get(URL)
    html = response.content.decode()
    # A chart per headline figure, each with a title, a summary and a table.
    assert html.count('<svg class="chart"') == len(queries.CHARTS)
    assert html.count("<title id=") == len(queries.CHARTS)
    for chart in queries.CHARTS:
        assert f'data-summary="{chart.table}"' in html
        assert f'data-table="{chart.table}"' in html
    # 3 of 4 accepted answers by members: 75 %, in the summary and the table.
    assert "75 %" in html
    assert "1.5 h" in html  # median 5,400 s
    # Ideas: 3 of 4 answered in time, a median of 6 days to the response.
    ideas = html[html.index('data-table="idea-responses"') :]
    assert "75 %" in ideas and "6 d" in ideas
    assert " style=" not in html and "<style" not in html  # the CSP
    assert "like" not in html.lower().replace("likes, followers", "")


def test_restricted_category_is_neither_listed_nor_selectable(client):
    make_category("Open", slug="open")
    make_category("Beta", slug="beta", restricted_to=make_group("Beta"))
    html = client.get(URL).content.decode()
    assert 'value="open"' in html and 'value="beta"' not in html
    response = client.get(URL + "?category=beta")
    assert response.status_code == 200
    assert "There is no public category “beta”" in response.content.decode()
    # Nonsense is a message too, never an error page.
    assert client.get(URL + "?category=%00%ff" + "x" * 500).status_code == 200


def test_csv_of_every_table(client):
    category = make_category("Grinders", slug="grinders")
    _rows(category, 12)
    months = _months(12)
    for spec in queries.TABLES:
        url = reverse("health:csv", args=[spec.key]) + "?category=grinders"
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert f"health-{spec.key}-grinders.csv" in response["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == ["month"] + [c.key for c in spec.columns]
        assert [r[0] for r in rows[1:]] == [f"{m:%Y-%m}" for m in months]
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    "/community/health/accepted-answers.csv?category=grinders"
                ).content.decode()
            )
        )
    )
    assert rows[-1] == [f"{months[-1]:%Y-%m}", "3", "1", "0", "75"]
    # The site-wide table has no rows: empty cells, not zeros, for shares.
    site = client.get("/community/health/accepted-answers.csv").content.decode()
    assert site.splitlines()[-1] == f"{months[-1]:%Y-%m},0,0,0,"
    assert client.get("/community/health/nothing.csv").status_code == 404


def test_brand_sees_exactly_what_the_community_sees(client):
    """Computed from the real compute, read by a representative and by an
    anonymous visitor: the same bytes (apart from the header)."""
    qa = make_category("Questions", slug="qa", kind=CategoryKind.QUESTIONS)
    member = make_user()
    make_topic(qa, member, title="How do I descale it?")
    compute.compute()
    anonymous = client.get(URL + "?category=qa").content.decode()
    rep = make_brand_rep()
    client.login(username=rep.username, password=PASSWORD)
    seen = client.get(URL + "?category=qa").content.decode()
    main = lambda html: html[html.index("<main") :]  # noqa: E731
    assert main(seen) == main(anonymous)
    assert "data-table" in main(seen)
    for spec in queries.TABLES:
        assert client.get(f"/community/health/{spec.key}.csv").status_code == 200
        assert client.post(f"/community/health/{spec.key}.csv").status_code == 405
    assert client.post(URL).status_code == 405


def test_footer_links_to_the_page(client):
    assert 'href="/community/health/"' in client.get("/").content.decode()


def test_seed_demo_computes_the_demo_communitys_health(client):
    call_command("seed_demo", verbosity=0)
    assert HealthMonth.objects.filter(category=None, questions__gt=0).exists()
    # The demo's ideas: the maintenance kit, answered within its 30 days, and
    # the flow-control paddle kit, overdue with no response.
    ideas = HealthMonth.objects.filter(category=None, ideas_due__gt=0)
    assert sum(r.ideas_in_time for r in ideas) == 1
    assert sum(r.ideas_unanswered for r in ideas) == 1
    html = client.get(URL).content.decode()
    assert "No figures yet" not in html.split("data-summary=")[1]
