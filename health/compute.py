# ruff: noqa: S608 -- SQL is assembled from constants and integer ids; values are parameters
"""Compute the community health figures with set-based SQL.

Every figure is one SQL statement grouped by (calendar month, category), run
a second time grouped by month alone for the site-wide rows (a distinct pair
of members is counted once site-wide even when they talked in two
categories). The statements run unchanged on SQLite and PostgreSQL; only the
month label and the difference of two timestamps in seconds are written per
vendor. Nothing loops over posts in Python. Definitions: docs/health.md.

Only what anonymous visitors can read counts: topics in the categories
``policy.visible_categories(AnonymousUser())`` keeps, not deleted, hidden or
merged away; posts not deleted, hidden or removed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.utils import timezone

from forum.models import Category, CategoryKind
from health.models import HealthMonth
from ideas.models import FINAL_STATUSES, Idea, IdeaDecision
from permissions import policy

HOUR = 3600
UNANSWERED_AFTER = 48 * HOUR
WELCOME_WITHIN = 24 * HOUR
RETURN_WITHIN = 30 * 24 * HOUR

# Role snapshots on posts (accounts.roles.PostRole).
MEMBER = "'member'"
BRAND = "'brand_rep'"
STAFF = "('moderator', 'admin')"


def _month(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM')"
    return f"strftime('%%Y-%%m', {column})"


def _secs(start: str, end: str) -> str:
    """Whole seconds from *start* to *end*."""
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS BIGINT)"
    return f"CAST(ROUND((julianday({end}) - julianday({start})) * 86400) AS INTEGER)"


def _plus_days(column: str, days: int) -> str:
    """*column* plus *days* whole days of 86,400 seconds (no calendar or
    daylight-saving arithmetic)."""
    if connection.vendor == "postgresql":
        return f"({column} + INTERVAL '{int(days) * 86400} seconds')"
    return f"datetime({column}, '+{int(days)} days')"


def _visible_post(alias: str) -> str:
    return (
        f"{alias}.deleted_at IS NULL AND NOT {alias}.is_hidden"
        f" AND {alias}.removed_at IS NULL"
    )


def _other(post: str, author_column: str) -> str:
    """*post* was written by someone other than *author_column* (a deleted
    account is someone else)."""
    return (
        f"({post}.author_id IS NULL OR {author_column} IS NULL"
        f" OR {post}.author_id <> {author_column})"
    )


def public_category_ids() -> list[int]:
    """The categories anonymous visitors can read (the policy decides)."""
    return list(
        policy.visible_categories(AnonymousUser(), Category.objects.all()).values_list(
            "pk", flat=True
        )
    )


@dataclass
class Context:
    categories: list[int]
    since: str  # "YYYY-MM": rows for this month and later
    now: dt.datetime

    def topic_ok(self, alias: str) -> str:
        ids = ", ".join(str(int(i)) for i in self.categories) or "-1"
        return (
            f"{alias}.category_id IN ({ids}) AND {alias}.deleted_at IS NULL"
            f" AND NOT {alias}.is_hidden AND {alias}.merged_into_id IS NULL"
        )

    def stamp(self, value: dt.datetime) -> Any:
        return connection.ops.adapt_datetimefield_value(value)

    def vt(self) -> str:
        """Two CTEs: vt, the visible topics in public categories with their
        month; vq, those of them that count as questions (every category
        kind but announcements). vq filters the base tables itself so the
        planner estimates its size from statistics."""
        columns = f"""t.id, t.category_id, t.author_id, t.created_at,
                   t.first_post_id, t.accepted_post_id, t.is_solved,
                   {_month("t.created_at")} AS month"""
        return f"""vt AS (
            SELECT {columns} FROM forum_topic t
            WHERE {self.topic_ok("t")}),
        vq AS (
            SELECT {columns}
            FROM forum_topic t JOIN forum_category c ON c.id = t.category_id
            WHERE {self.topic_ok("t")}
              AND c.kind <> '{CategoryKind.ANNOUNCEMENTS.value}')"""


Row = tuple[str, int | None, dict[str, int | None]]


def _run(sql: str, params: Iterable[Any], columns: list[str]) -> list[Row]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        rows = cursor.fetchall()
    out: list[Row] = []
    for month, cat, *values in rows:
        out.append(
            (
                month,
                int(cat) or None,
                {
                    c: (None if v is None else int(v))
                    for c, v in zip(columns, values, strict=True)
                },
            )
        )
    return out


def q_topics(ctx: Context, cat: str) -> tuple[str, list[Any], list[str]]:
    """Per question: first reply by someone else, first peer reply, accepted
    answer, brand involvement, community exchange; summed per month."""
    other = _other("p", "t.author_id")
    cutoff = ctx.stamp(ctx.now - dt.timedelta(seconds=UNANSWERED_AFTER))
    sql = f"""WITH {ctx.vt()},
        pt AS (
            SELECT p.topic_id,
                   MIN(CASE WHEN {other} THEN p.number END) AS first_n,
                   MIN(CASE WHEN {other} THEN p.created_at END) AS first_at,
                   SUM(CASE WHEN {other} THEN 1 ELSE 0 END) AS others,
                   SUM(CASE WHEN {other} AND p.author_role = {BRAND}
                            THEN 1 ELSE 0 END) AS brand_others,
                   MAX(CASE WHEN p.author_role = {BRAND} THEN 1 ELSE 0 END) AS brand
            FROM forum_post p JOIN vq t ON t.id = p.topic_id
            WHERE {_visible_post("p")} AND p.number > 1
            GROUP BY p.topic_id),
        cx AS (
            SELECT DISTINCT p.topic_id
            FROM forum_post p JOIN vq t ON t.id = p.topic_id
            JOIN forum_post r ON r.id = p.reply_to_id
            WHERE {_visible_post("p")} AND {_visible_post("r")}
              AND p.number > 1
              AND p.author_role = {MEMBER} AND r.author_role = {MEMBER}
              AND p.author_id IS NOT NULL AND r.author_id IS NOT NULL
              AND p.author_id <> r.author_id
              AND {_other("p", "t.author_id")} AND {_other("r", "t.author_id")}),
        esc AS (SELECT DISTINCT topic_id FROM forum_escalation)
        SELECT t.month, {cat} AS cat,
            COUNT(*) AS questions,
            SUM(CASE WHEN a.author_role = {MEMBER} THEN 1 ELSE 0 END),
            SUM(CASE WHEN a.author_role = {BRAND} THEN 1 ELSE 0 END),
            SUM(CASE WHEN a.author_role IN {STAFF} THEN 1 ELSE 0 END),
            SUM(CASE WHEN f.author_role = {MEMBER} THEN 1 ELSE 0 END),
            SUM(CASE WHEN f.author_role = {BRAND} THEN 1 ELSE 0 END),
            SUM(CASE WHEN f.author_role IN {STAFF} THEN 1 ELSE 0 END),
            SUM(CASE WHEN t.created_at <= %s THEN 1 ELSE 0 END),
            SUM(CASE WHEN t.created_at <= %s AND (pt.first_at IS NULL
                     OR {_secs("t.created_at", "pt.first_at")} > {UNANSWERED_AFTER})
                     THEN 1 ELSE 0 END),
            SUM(CASE WHEN a.id IS NOT NULL THEN 1 ELSE 0 END),
            SUM(CASE WHEN a.id IS NOT NULL AND COALESCE(pt.brand, 0) = 0
                     AND esc.topic_id IS NULL THEN 1 ELSE 0 END),
            SUM(CASE WHEN pt.others > 0 THEN 1 ELSE 0 END),
            SUM(CASE WHEN cx.topic_id IS NOT NULL THEN 1 ELSE 0 END),
            SUM(CASE WHEN pt.others > 0 AND pt.brand_others = pt.others
                     THEN 1 ELSE 0 END)
        FROM vq t
        LEFT JOIN pt ON pt.topic_id = t.id
        LEFT JOIN forum_post f ON f.topic_id = t.id AND f.number = pt.first_n
        LEFT JOIN forum_post a ON a.id = t.accepted_post_id AND t.is_solved
             AND {_visible_post("a")} AND a.number > 1
        LEFT JOIN cx ON cx.topic_id = t.id
        LEFT JOIN esc ON esc.topic_id = t.id
        GROUP BY t.month, {cat}"""
    columns = [
        "questions",
        "accepted_member",
        "accepted_brand",
        "accepted_staff",
        "first_reply_member",
        "first_reply_brand",
        "first_reply_staff",
        "questions_48h",
        "unanswered_48h",
        "solved",
        "solved_without_brand",
        "topics_replied",
        "community_topics",
        "audience_topics",
    ]
    return sql, [cutoff, cutoff], columns


def q_peer_time(ctx: Context, cat: str) -> tuple[str, list[Any], list[str]]:
    """Time from a question to its first reply by a community member other
    than the asker: how many got one, median and 90th percentile."""
    peer = f"p.author_role = {MEMBER} AND {_other('p', 't.author_id')}"
    durations = f"""
        fp AS (SELECT p.topic_id, MIN(p.created_at) AS at
               FROM forum_post p JOIN vq t ON t.id = p.topic_id
               WHERE {_visible_post("p")} AND p.number > 1
                 AND {peer}
               GROUP BY p.topic_id),
        d AS (SELECT t.month, {cat} AS cat, {_secs("t.created_at", "fp.at")} AS s
              FROM vq t JOIN fp ON fp.topic_id = t.id)"""
    select = f"""WITH {ctx.vt()}, {durations},
        r AS (SELECT month, cat, s,
                     ROW_NUMBER() OVER (PARTITION BY month, cat ORDER BY s) AS rn,
                     COUNT(*) OVER (PARTITION BY month, cat) AS n
              FROM d)
        SELECT month, cat, COUNT(*),
               MAX(CASE WHEN rn = (n * 50 + 99) / 100 THEN s END),
               MAX(CASE WHEN rn = (n * 90 + 99) / 100 THEN s END)
        FROM r GROUP BY month, cat"""
    columns = ["peer_replied", "peer_reply_median_s", "peer_reply_p90_s"]
    return select, [], columns


def q_pairs(ctx: Context, cat: str) -> tuple[str, list[Any], list[str]]:
    """Distinct pairs of members who replied to each other's posts this
    month (a reply without reply_to answers the topic's opening post), and
    the pairs where replies went both ways."""
    sql = f"""WITH {ctx.vt()},
        e AS (SELECT DISTINCT {_month("p.created_at")} AS month, {cat} AS cat,
                     p.author_id AS a, r.author_id AS b
              FROM forum_post p JOIN vt t ON t.id = p.topic_id
              JOIN forum_post r ON r.id = COALESCE(p.reply_to_id, t.first_post_id)
              WHERE {_visible_post("p")} AND {_visible_post("r")} AND p.number > 1
                AND p.author_role = {MEMBER} AND r.author_role = {MEMBER}
                AND p.author_id IS NOT NULL AND r.author_id IS NOT NULL
                AND p.author_id <> r.author_id),
        u AS (SELECT month, cat,
                     CASE WHEN a < b THEN a ELSE b END AS lo,
                     CASE WHEN a < b THEN b ELSE a END AS hi
              FROM e),
        pr AS (SELECT month, cat, lo, hi, COUNT(*) AS ways
               FROM u GROUP BY month, cat, lo, hi)
        SELECT month, cat, COUNT(*), SUM(CASE WHEN ways = 2 THEN 1 ELSE 0 END)
        FROM pr GROUP BY month, cat"""
    return sql, [], ["member_pairs", "member_pairs_both_ways"]


def q_helpers(ctx: Context, cat: str) -> tuple[str, list[Any], list[str]]:
    """Askers of this month's questions, and distinct (asker, helper) pairs:
    a helper is a community member other than the asker who replied."""
    sql = f"""WITH {ctx.vt()},
        ak AS (SELECT DISTINCT t.month, {cat} AS cat, t.author_id AS asker
               FROM vq t WHERE t.author_id IS NOT NULL),
        hp AS (SELECT DISTINCT t.month, {cat} AS cat, t.author_id AS asker,
                      p.author_id AS helper
               FROM vq t JOIN forum_post p ON p.topic_id = t.id
               WHERE t.author_id IS NOT NULL
                 AND {_visible_post("p")} AND p.number > 1
                 AND p.author_role = {MEMBER} AND p.author_id IS NOT NULL
                 AND p.author_id <> t.author_id),
        hc AS (SELECT month, cat, COUNT(*) AS n FROM hp GROUP BY month, cat)
        SELECT ak.month, ak.cat, COUNT(*), MAX(COALESCE(hc.n, 0))
        FROM ak LEFT JOIN hc ON hc.month = ak.month AND hc.cat = ak.cat
        GROUP BY ak.month, ak.cat"""
    return sql, [], ["askers", "asker_helpers"]


def q_newcomers(ctx: Context, cat: str) -> tuple[str, list[Any], list[str]]:
    """Members whose first public post opened a topic: welcomed (a peer
    replied within 24 h) and, of those, returned (posted again within 30
    days of the first topic)."""
    topic2 = ctx.topic_ok("t2")
    sql = f"""WITH {ctx.vt()},
        fp AS (SELECT p.author_id AS uid, MIN(p.created_at) AS at
               FROM forum_post p JOIN vt t ON t.id = p.topic_id
               WHERE {_visible_post("p")} AND p.author_id IS NOT NULL
               GROUP BY p.author_id),
        nt AS (SELECT DISTINCT fp.uid, t.id AS topic_id, t.month, t.category_id,
                      t.created_at, p.id AS first_id
               FROM fp JOIN forum_post p
                    ON p.author_id = fp.uid AND p.created_at = fp.at
               JOIN vt t ON t.id = p.topic_id
               WHERE p.number = 1 AND p.author_role = {MEMBER}
                 AND {_visible_post("p")}),
        w AS (SELECT DISTINCT nt.uid
              FROM nt JOIN forum_post p ON p.topic_id = nt.topic_id
              WHERE {_visible_post("p")} AND p.number > 1
                AND p.author_role = {MEMBER} AND p.author_id IS NOT NULL
                AND p.author_id <> nt.uid
                AND {_secs("nt.created_at", "p.created_at")} <= {WELCOME_WITHIN}),
        rt AS (SELECT DISTINCT nt.uid
               FROM nt JOIN forum_post p ON p.author_id = nt.uid
               JOIN forum_topic t2 ON t2.id = p.topic_id
               WHERE {topic2} AND {_visible_post("p")} AND p.id <> nt.first_id
                 AND p.created_at >= nt.created_at
                 AND {_secs("nt.created_at", "p.created_at")} <= {RETURN_WITHIN})
        SELECT nt.month, {cat.replace("t.", "nt.")} AS cat, COUNT(*),
               SUM(CASE WHEN w.uid IS NOT NULL THEN 1 ELSE 0 END),
               SUM(CASE WHEN w.uid IS NOT NULL AND rt.uid IS NOT NULL
                        THEN 1 ELSE 0 END)
        FROM nt LEFT JOIN w ON w.uid = nt.uid LEFT JOIN rt ON rt.uid = nt.uid
        GROUP BY nt.month, {cat.replace("t.", "nt.")}"""
    columns = ["newcomers", "newcomers_welcomed", "newcomers_returned"]
    return sql, [], columns


def q_brand_requests(ctx: Context, cat: str) -> tuple[str, list[Any], list[str]]:
    """Ask-the-brand requests made this month on public topics: answered,
    and the median time to the answer."""
    select = f"""WITH {ctx.vt()},
        d AS (SELECT {_month("b.created_at")} AS month, {cat} AS cat,
                     CASE WHEN b.answered_at IS NULL THEN NULL
                          ELSE {_secs("b.created_at", "b.answered_at")} END AS s
              FROM forum_brandrequest b JOIN vt t ON t.id = b.topic_id),
        r AS (SELECT month, cat, s,
                     ROW_NUMBER() OVER (PARTITION BY month, cat, s IS NULL
                                        ORDER BY s) AS rn,
                     COUNT(s) OVER (PARTITION BY month, cat) AS n
              FROM d)
        SELECT month, cat, COUNT(*), COUNT(s),
               MAX(CASE WHEN s IS NOT NULL AND rn = (n * 50 + 99) / 100
                        THEN s END)
        FROM r GROUP BY month, cat"""
    columns = ["brand_requests", "brand_requests_answered", "brand_answer_median_s"]
    return select, [], columns


def q_escalations(ctx: Context, cat: str) -> tuple[str, list[Any], list[str]]:
    """Escalations opened this month on public topics, and those whose topic
    has since been solved (an accepted answer that is still visible)."""
    sql = f"""WITH {ctx.vt()}
        SELECT {_month("e.created_at")} AS month, {cat} AS cat, COUNT(*),
               SUM(CASE WHEN a.id IS NOT NULL THEN 1 ELSE 0 END)
        FROM forum_escalation e JOIN vt t ON t.id = e.topic_id
        LEFT JOIN forum_post a ON a.id = t.accepted_post_id AND t.is_solved
             AND {_visible_post("a")}
        GROUP BY {_month("e.created_at")}, {cat}"""
    return sql, [], ["escalations", "escalations_resolved"]


def q_idea_responses(ctx: Context, cat: str) -> tuple[str, list[Any], list[str]]:
    """Ideas on public topics whose response deadline (IDEAS_RESPONSE_DAYS
    after their community votes reached IDEAS_RESPONSE_VOTES) fell in this
    month and has passed: answered in time by a decision, answered late,
    still unanswered, and the median time to the first response. The clock
    is ideas.queries.clock's: a response is a decision made at or after the
    threshold; an idea already in a final status then was never due."""
    days = int(settings.IDEAS_RESPONSE_DAYS)
    final = ", ".join(sorted(f"'{status.value}'" for status in FINAL_STATUSES))
    idea = Idea._meta.db_table
    decision = IdeaDecision._meta.db_table
    cutoff = ctx.stamp(ctx.now - dt.timedelta(days=days))
    select = f"""WITH
        fr AS (SELECT x.topic_id, MIN(x.created_at) AS at
               FROM {decision} x JOIN {idea} i ON i.topic_id = x.topic_id
               WHERE i.threshold_reached_at IS NOT NULL
                 AND x.created_at >= i.threshold_reached_at
               GROUP BY x.topic_id),
        due AS (SELECT {_month(_plus_days("i.threshold_reached_at", days))} AS month,
                       {cat} AS cat,
                       CASE WHEN fr.at IS NULL THEN NULL
                            ELSE {_secs("i.threshold_reached_at", "fr.at")} END AS s
                FROM {idea} i JOIN forum_topic t ON t.id = i.topic_id
                LEFT JOIN fr ON fr.topic_id = i.topic_id
                WHERE {ctx.topic_ok("t")}
                  AND i.threshold_reached_at IS NOT NULL
                  AND i.threshold_reached_at <= %s
                  AND (fr.at IS NOT NULL OR t.idea_status NOT IN ({final}))),
        r AS (SELECT month, cat, s,
                     ROW_NUMBER() OVER (PARTITION BY month, cat, s IS NULL
                                        ORDER BY s) AS rn,
                     COUNT(s) OVER (PARTITION BY month, cat) AS n
              FROM due)
        SELECT month, cat, COUNT(*),
               SUM(CASE WHEN s <= {days * 86400} THEN 1 ELSE 0 END),
               SUM(CASE WHEN s > {days * 86400} THEN 1 ELSE 0 END),
               SUM(CASE WHEN s IS NULL THEN 1 ELSE 0 END),
               MAX(CASE WHEN s IS NOT NULL AND rn = (n * 50 + 99) / 100
                        THEN s END)
        FROM r GROUP BY month, cat"""
    columns = [
        "ideas_due",
        "ideas_in_time",
        "ideas_late",
        "ideas_unanswered",
        "idea_response_median_s",
    ]
    return select, [cutoff], columns


QUERIES: list[Callable[[Context, str], tuple[str, list[Any], list[str]]]] = [
    q_topics,
    q_peer_time,
    q_pairs,
    q_helpers,
    q_newcomers,
    q_brand_requests,
    q_escalations,
    q_idea_responses,
]
# The site-wide "category" is 0 written as an expression over a column: a bare
# integer in GROUP BY would mean "the first output column".
GROUPINGS = [("t.category_id", "per category"), ("0 * t.category_id", "site-wide")]


def steps() -> list[tuple[Callable[..., Any], str, str]]:
    return [(q, cat, label) for q in QUERIES for cat, label in GROUPINGS]


def compute(
    since: dt.date | None = None,
    *,
    now: dt.datetime | None = None,
    progress: Callable[[Iterable[Any]], Iterable[Any]] = lambda it: it,
) -> int:
    """Recompute the rows for *since*'s month and later (every month when
    None), replacing what was stored: running it twice stores the same rows.
    Returns the number of rows written."""
    now = now or timezone.now()
    ctx = Context(
        categories=public_category_ids(),
        since=since.strftime("%Y-%m") if since else "0000-00",
        now=now,
    )
    merged: dict[tuple[str, int | None], dict[str, int | None]] = {}
    for query, cat, _label in progress(steps()):
        sql, params, columns = query(ctx, cat)
        for month, category, values in _run(sql, params, columns):
            # Every month is read (a few seconds); --since only limits the
            # months replaced.
            if month < ctx.since:
                continue
            merged.setdefault((month, category), {}).update(values)
    rows = [
        HealthMonth(
            month=dt.date(int(month[:4]), int(month[5:7]), 1),
            category_id=category,
            computed_at=now,
            **values,
        )
        for (month, category), values in sorted(
            merged.items(), key=lambda item: (item[0][0], item[0][1] or 0)
        )
    ]
    with transaction.atomic():
        stale = HealthMonth.objects.all()
        if since is not None:
            stale = stale.filter(month__gte=since.replace(day=1))
        stale.delete()
        HealthMonth.objects.bulk_create(rows, batch_size=500)
    return len(rows)
