"""Every health figure on a hand-built community, expected values worked out
by hand below (docs/health.md has the definitions).

The fixture writes topics and posts directly, with chosen times and role
snapshots, so each edge case is exactly where the comments say.

March 2026, T0 = 2 March 10:00 UTC; figures computed on 20 April.

  T1 qa    alice  +0   bob +1h (to the topic), alice +2h (self, to bob),
                       carol +3h (to bob), bob +4h (to carol); carol's accepted
  T2 qa    bob    +1d  rep +30m (brand), bob +1h (self, to rep), erin +5h
                       (member then, a representative now); rep's accepted;
                       bob asked the brand, answered by rep's reply (30 min)
  T3 qa    carol  +2d  bob +1h REMOVED (spam), dave +2h HIDDEN,
                       alice +3h DELETED, mod +50h
                       (moderator); mod's accepted; escalated
  T4 disc  dave   +3d  dave +1h (self only)
  T5 disc  erin   +4d  rep +1h (only the brand); erin asked the brand, unanswered
  T6 secret alice +0   bob +1h                     restricted: never counted
  T7 ann   rep    +0   (announcement: not a question)
  T8 qa    alice  +1d  bob +1h                     topic deleted: never counted
  T9 qa    dave   +0   carol +1h                   topic hidden: never counted
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from accounts.roles import PostRole, Role
from forum.models import BrandRequest, CategoryKind, Escalation, Post, Topic
from health import compute
from health.models import HealthMonth
from tests.factories import make_brand, make_category, make_group, make_user

pytestmark = pytest.mark.django_db

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
NOW = dt.datetime(2026, 4, 20, 12, 0, tzinfo=UTC)
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)
MARCH = dt.date(2026, 3, 1)


def _topic(category, author, at, *, role=PostRole.MEMBER, deleted=False) -> Topic:
    topic = Topic.objects.create(
        category=category,
        title=f"A question from {author.username}",
        author=author,
        author_name=author.username,
        created_at=at,
        last_posted_at=at,
        deleted_at=at + H if deleted else None,
    )
    first = _post(topic, author, at, role=role)
    Topic.objects.filter(pk=topic.pk).update(first_post=first)
    topic.first_post = first
    return topic


def _post(topic, author, at, *, role=PostRole.MEMBER, reply_to=None, **fields) -> Post:
    number = topic.posts.count() + 1
    return Post.objects.create(
        topic=topic,
        number=number,
        author=author,
        author_name=author.username,
        author_role=role,
        reply_to=reply_to,
        body_source="text",
        body_html="<p>text</p>",
        created_at=at,
        **fields,
    )


def _accept(topic, post) -> None:
    Topic.objects.filter(pk=topic.pk).update(accepted_post=post, is_solved=True)


@pytest.fixture
def community():
    brand = make_brand()
    alice, bob, carol, dave = (make_user(n) for n in ("alice", "bob", "carol", "dave"))
    # Erin wrote as a member in March and became a representative later:
    # her March posts keep their "member" snapshot.
    erin = make_user("erin")
    rep = make_user("rep", role=Role.BRAND_REP, brand=brand)
    mod = make_user("mod")
    qa = make_category("Questions", slug="qa", kind=CategoryKind.QUESTIONS)
    disc = make_category("Chat", slug="chat")
    ann = make_category("News", slug="news", kind=CategoryKind.ANNOUNCEMENTS)
    secret = make_category(
        "Beta", slug="beta", restricted_to=make_group("Beta", members=[alice, bob])
    )

    t1 = _topic(qa, alice, T0)
    p2 = _post(t1, bob, T0 + H)
    _post(t1, alice, T0 + 2 * H, reply_to=p2)
    p4 = _post(t1, carol, T0 + 3 * H, reply_to=p2)
    _post(t1, bob, T0 + 4 * H, reply_to=p4)
    _accept(t1, p4)

    t2 = _topic(qa, bob, T0 + D)
    r2 = _post(t2, rep, T0 + D + H / 2, role=PostRole.BRAND_REP)
    _post(t2, bob, T0 + D + H, reply_to=r2)
    _post(t2, erin, T0 + D + 5 * H)
    _accept(t2, r2)
    request = BrandRequest.objects.create(
        topic=t2, brand=brand, requested_by=bob, answer=r2, answered_by=rep
    )
    BrandRequest.objects.filter(pk=request.pk).update(
        created_at=T0 + D, answered_at=T0 + D + H / 2
    )

    t3 = _topic(qa, carol, T0 + 2 * D)
    _post(t3, bob, T0 + 2 * D + H, removed_at=T0 + 2 * D + 2 * H, removal_kind="spam")
    _post(t3, dave, T0 + 2 * D + 2 * H, is_hidden=True)
    _post(t3, alice, T0 + 2 * D + 3 * H, deleted_at=T0 + 2 * D + 4 * H)
    m4 = _post(t3, mod, T0 + 2 * D + 50 * H, role=PostRole.MODERATOR)
    _accept(t3, m4)
    escalation = Escalation.objects.create(
        topic=t3, brand=brand, escalated_by=rep, member=carol, reference="ESC-1"
    )
    Escalation.objects.filter(pk=escalation.pk).update(created_at=T0 + 3 * D)

    t4 = _topic(disc, dave, T0 + 3 * D)
    _post(t4, dave, T0 + 3 * D + H)

    t5 = _topic(disc, erin, T0 + 4 * D)
    _post(t5, rep, T0 + 4 * D + H, role=PostRole.BRAND_REP)
    request = BrandRequest.objects.create(topic=t5, brand=brand, requested_by=erin)
    BrandRequest.objects.filter(pk=request.pk).update(created_at=T0 + 4 * D)

    t6 = _topic(secret, alice, T0)
    _post(t6, bob, T0 + H)
    request = BrandRequest.objects.create(topic=t6, brand=brand, requested_by=alice)
    BrandRequest.objects.filter(pk=request.pk).update(created_at=T0)

    _topic(ann, rep, T0, role=PostRole.BRAND_REP)

    t8 = _topic(qa, alice, T0 + D, deleted=True)
    _post(t8, bob, T0 + D + H)

    t9 = _topic(qa, dave, T0)
    _post(t9, carol, T0 + H)
    Topic.objects.filter(pk=t9.pk).update(is_hidden=True)

    # Erin is a representative now; her posts above stay "member".
    erin.role = Role.BRAND_REP
    erin.brand = brand
    erin.save()
    return {"qa": qa, "chat": disc, "news": ann, "secret": secret}


def _row(category=None) -> HealthMonth:
    return HealthMonth.objects.get(month=MARCH, category=category)


def test_site_wide_figures(community):
    compute.compute(now=NOW)
    row = _row()
    # Questions: T1-T5 (T6 restricted, T7 an announcement, T8 deleted, T9
    # hidden).
    assert row.questions == 5
    # Accepted answers: carol (member), rep (brand), mod (moderator).
    assert (row.accepted_member, row.accepted_brand, row.accepted_staff) == (1, 1, 1)
    # First replies by someone else: T1 bob; T2 rep; T3 mod (the removed,
    # the hidden and the deleted reply don't count); T4 only a self-reply;
    # T5 rep.
    assert (row.first_reply_member, row.first_reply_brand, row.first_reply_staff) == (
        1,
        2,
        1,
    )
    # First peer replies: T1 after 1 h (bob), T2 after 5 h (erin: her
    # snapshot says member). Nearest rank: median = rank ceil(0.5*2) = 1,
    # 90th = rank ceil(0.9*2) = 2.
    assert row.peer_replied == 2
    assert row.peer_reply_median_s == 3600
    assert row.peer_reply_p90_s == 5 * 3600
    # All five are older than 48 h; T3 (first visible reply after 50 h) and
    # T4 (only a self-reply) had no reply within 48 h.
    assert (row.questions_48h, row.unanswered_48h) == (5, 2)
    # Solved T1, T2, T3; without the brand only T1 (T2 has the rep's answer,
    # T3 was escalated).
    assert (row.solved, row.solved_without_brand) == (3, 1)
    # Pairs (a reply without reply_to answers the opening post):
    # bob->alice, alice->bob, carol->bob, bob->carol, erin->bob.
    # {alice,bob} and {bob,carol} both ways, {bob,erin} one way.
    assert (row.member_pairs, row.member_pairs_both_ways) == (3, 2)
    # Askers alice, bob, carol, dave, erin; helpers: alice's T1 bob and
    # carol, bob's T2 erin -> 3 (asker, helper) pairs.
    assert (row.askers, row.asker_helpers) == (5, 3)
    # Topics with replies by others: T1, T2, T3, T5. Community: T1 (carol
    # answered bob, neither the author). Audience: T5 (only the brand).
    assert (row.topics_replied, row.community_topics, row.audience_topics) == (
        4,
        1,
        1,
    )
    # Newcomers (first visible public post opens a topic): alice (T1; her
    # restricted T6 and deleted T8 don't count) and dave (T4: his hidden
    # reply in T3 and his hidden topic T9 don't count). bob, carol and erin began with replies,
    # rep is not a member. alice was welcomed (bob, 1 h) and posted again
    # (+2 h); dave got no reply.
    assert (row.newcomers, row.newcomers_welcomed, row.newcomers_returned) == (
        2,
        1,
        1,
    )
    # Brand requests on public topics: T2 (answered in 30 min) and T5 (open);
    # T6's is in a restricted category.
    assert (row.brand_requests, row.brand_requests_answered) == (2, 1)
    assert row.brand_answer_median_s == 1800
    # The escalation on T3, since solved.
    assert (row.escalations, row.escalations_resolved) == (1, 1)


def test_per_category_figures(community):
    compute.compute(now=NOW)
    qa = _row(community["qa"])
    assert qa.questions == 3
    assert (qa.member_pairs, qa.member_pairs_both_ways) == (3, 2)
    assert (qa.newcomers, qa.newcomers_welcomed) == (1, 1)
    assert qa.peer_reply_median_s == 3600
    chat = _row(community["chat"])
    assert (chat.questions, chat.unanswered_48h, chat.audience_topics) == (2, 1, 1)
    assert chat.member_pairs == 0
    assert (chat.brand_requests, chat.brand_requests_answered) == (1, 0)
    assert chat.brand_answer_median_s is None
    assert (chat.newcomers, chat.newcomers_welcomed) == (1, 0)
    # The restricted category has no row at all; the announcement category
    # has no question.
    assert not HealthMonth.objects.filter(category=community["secret"]).exists()
    assert not HealthMonth.objects.filter(
        category=community["news"], questions__gt=0
    ).exists()


def test_the_48_hours_are_counted_from_now(community):
    """Questions younger than 48 h are not yet counted either way."""
    compute.compute(now=T0 + 4 * D + H)
    row = _row()
    # T1, T2 and T3 are at least 48 h old; T4 (25 h) and T5 (1 h) not yet.
    # Of the three only T3 had no reply within 48 h.
    assert (row.questions_48h, row.unanswered_48h) == (3, 1)


def test_compute_health_is_idempotent(community, capsys):
    call_command("compute_health")
    first = list(HealthMonth.objects.values().order_by("month", "category_id"))
    call_command("compute_health")
    second = list(HealthMonth.objects.values().order_by("month", "category_id"))
    strip = [
        {k: v for k, v in r.items() if k not in ("id", "computed_at")} for r in first
    ]
    assert strip == [
        {k: v for k, v in r.items() if k not in ("id", "computed_at")} for r in second
    ]
    # March only: site-wide, qa and chat (news has no question, reply or
    # newcomer; the restricted category is never measured).
    assert len(first) == 3


def test_since_replaces_only_later_months(community):
    compute.compute(now=NOW)
    old = HealthMonth.objects.create(
        month=dt.date(2025, 1, 1), computed_at=NOW, questions=99
    )
    call_command("compute_health", "--since", "2026-03", verbosity=0)
    assert HealthMonth.objects.get(pk=old.pk).questions == 99  # untouched
    assert _row().questions == 5
    call_command("compute_health", verbosity=0)
    assert not HealthMonth.objects.filter(pk=old.pk).exists()
