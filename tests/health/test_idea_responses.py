"""The brand's side: idea decisions made in time, on a hand-built ideas board,
expected values worked out by hand below (docs/health.md has the definition).

IDEAS_RESPONSE_DAYS = 30, IDEAS_RESPONSE_VOTES = 10: an idea is due a
response 30 days (2,592,000 s) after its community votes reached 10; a
response is a decision made at or after that moment. Figures computed on
20 April 2026 unless a test says otherwise.

  idea  category  votes  threshold reached   deadline            first decision since
  I1    product   12     5 Feb 10:00         7 Mar 10:00         7 Mar 10:00 exactly (in time, 30 d);
                                                                 a decision on 1 Feb, before the
                                                                 threshold, is not a response
  I2    product   11     10 Feb 12:00        12 Mar 12:00        12 Mar 12:00:01 (late by 1 s)
  I3    product   15     15 Feb 09:00        17 Mar 09:00        none (unanswered)
  I4    site      10     20 Feb 08:00        22 Mar 08:00        25 Feb 08:00 (in time, 5 d)
  I5    beta      14     5 Feb 10:00         7 Mar 10:00         6 Feb (restricted: never counted)
  I6    product   3      never               -                   a decision (under the threshold)
  I7    product   10     12 Feb 10:00        14 Mar 10:00        none, but shipped on 1 Feb before
                                                                 the threshold: never due
  I8    product   10     1 Apr 10:00         1 May 10:00         2 Apr (deadline not passed yet)
  I9    product   10     5 Feb 10:00         7 Mar 10:00         none (topic deleted: never counted)
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from accounts.roles import Role
from forum.models import CategoryKind, IdeaStatus, Topic
from health import compute
from health.models import HealthMonth
from ideas.models import Idea, IdeaDecision
from tests.factories import make_brand, make_category, make_group, make_user

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOW = dt.datetime(2026, 4, 20, 12, 0, tzinfo=UTC)
MARCH = dt.date(2026, 3, 1)
DAY = 86400


@pytest.fixture(autouse=True)
def _clock(settings):
    settings.IDEAS_RESPONSE_DAYS = 30
    settings.IDEAS_RESPONSE_VOTES = 10


def _at(month: int, day: int, hour: int, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, second, tzinfo=UTC)


@pytest.fixture
def board():
    brand = make_brand()
    author = make_user("proposer")
    owner = make_user("owner", role=Role.BRAND_REP, brand=brand)
    product = make_category("Product ideas", slug="product", kind=CategoryKind.IDEAS)
    site = make_category("Site ideas", slug="site", kind=CategoryKind.IDEAS)
    beta = make_category(
        "Beta ideas",
        slug="beta",
        kind=CategoryKind.IDEAS,
        restricted_to=make_group("Beta", members=[author]),
    )

    def idea(category, votes, reached, *, status="", deleted=False) -> Topic:
        created = _at(1, 20, 10)
        topic = Topic.objects.create(
            category=category,
            title=f"Idea {Topic.objects.count() + 1}",
            author=author,
            author_name=author.username,
            created_at=created,
            last_posted_at=created,
            idea_status=status,
            deleted_at=created if deleted else None,
        )
        Idea.objects.create(
            topic=topic, community_votes=votes, threshold_reached_at=reached
        )
        return topic

    def decide(topic, at, status=IdeaStatus.UNDER_REVIEW) -> None:
        IdeaDecision.objects.create(
            topic=topic,
            owner=owner,
            owner_name=owner.username,
            brand=brand,
            brand_label="Brevetto · decision owner",
            status=status,
            rationale_source="Because.",
            rationale_html="<p>Because.</p>",
            created_at=at,
        )

    i1 = idea(product, 12, _at(2, 5, 10), status=IdeaStatus.PLANNED)
    decide(i1, _at(2, 1, 10))
    decide(i1, _at(3, 7, 10), IdeaStatus.PLANNED)
    i2 = idea(product, 11, _at(2, 10, 12))
    decide(i2, _at(3, 12, 12, second=1))
    decide(i2, _at(3, 20, 12))
    idea(product, 15, _at(2, 15, 9))
    i4 = idea(site, 10, _at(2, 20, 8))
    decide(i4, _at(2, 25, 8))
    i5 = idea(beta, 14, _at(2, 5, 10))
    decide(i5, _at(2, 6, 10))
    i6 = idea(product, 3, None)
    decide(i6, _at(2, 6, 10))
    i7 = idea(product, 10, _at(2, 12, 10), status=IdeaStatus.SHIPPED)
    decide(i7, _at(2, 1, 10), IdeaStatus.SHIPPED)
    i8 = idea(product, 10, _at(4, 1, 10))
    decide(i8, _at(4, 2, 10))
    idea(product, 10, _at(2, 5, 10), deleted=True)
    return {"product": product, "site": site, "beta": beta}


def _figures(row: HealthMonth) -> tuple[int, int, int, int, int | None]:
    return (
        row.ideas_due,
        row.ideas_in_time,
        row.ideas_late,
        row.ideas_unanswered,
        row.idea_response_median_s,
    )


def test_site_wide_idea_responses(board):
    compute.compute(now=NOW)
    row = HealthMonth.objects.get(month=MARCH, category=None)
    # Due in March: I1, I2, I3, I4 (I5 restricted, I6 under the threshold,
    # I7 already shipped when it reached it, I8 due in May, I9 deleted).
    # In time: I1 (at the deadline to the second), I4. Late: I2 (1 s).
    # Unanswered: I3. Response times 432,000 (I4), 2,592,000 (I1),
    # 2,592,001 (I2): nearest-rank median = rank ceil(0.5 * 3) = 2.
    assert _figures(row) == (4, 2, 1, 1, 30 * DAY)


def test_per_category_idea_responses(board):
    compute.compute(now=NOW)
    product = HealthMonth.objects.get(month=MARCH, category=board["product"])
    # I1, I2, I3; response times 2,592,000 and 2,592,001: rank ceil(0.5 * 2) = 1.
    assert _figures(product) == (3, 1, 1, 1, 30 * DAY)
    site = HealthMonth.objects.get(month=MARCH, category=board["site"])
    assert _figures(site) == (1, 1, 0, 0, 5 * DAY)
    # The restricted category has no row; no other month has ideas due
    # (February: none had passed their deadline; April: I8's is in May).
    assert not HealthMonth.objects.filter(category=board["beta"]).exists()
    assert not HealthMonth.objects.exclude(month=MARCH).filter(ideas_due__gt=0).exists()


def test_an_idea_counts_once_its_deadline_has_passed(board):
    """The board as it was on 12 March 12:00:00: I1 is due (answered in
    time); I2's deadline is that very second and its answer a second away:
    due, not answered yet; I3 and I4 are not due yet."""
    then = _at(3, 12, 12)
    IdeaDecision.objects.filter(created_at__gt=then).delete()
    compute.compute(now=then)
    row = HealthMonth.objects.get(month=MARCH, category=None)
    assert _figures(row) == (2, 1, 0, 1, 30 * DAY)
    # A second earlier I2 was not due yet.
    compute.compute(now=then - dt.timedelta(seconds=1))
    row = HealthMonth.objects.get(month=MARCH, category=None)
    assert _figures(row) == (1, 1, 0, 0, 30 * DAY)


def test_compute_health_stays_idempotent_with_ideas(board):
    call_command("compute_health", verbosity=0)
    first = list(HealthMonth.objects.values().order_by("month", "category_id"))
    call_command("compute_health", verbosity=0)
    second = list(HealthMonth.objects.values().order_by("month", "category_id"))

    def strip(rows):
        return [
            {k: v for k, v in r.items() if k not in ("id", "computed_at")} for r in rows
        ]

    assert strip(first) == strip(second)
    march = [r for r in first if r["month"] == MARCH and r["category_id"] is None]
    assert [r["ideas_due"] for r in march] == [4]
