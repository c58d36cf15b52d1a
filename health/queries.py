"""Read the precomputed health rows for the public page: tables and charts.

Two queries whatever the data: the public categories (for the filter) and
the twelve months of rows for the selection. Shares are computed here from
the stored counts. Definitions: docs/health.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from forum.models import Category
from health.models import HealthMonth
from permissions import policy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MONTHS = 12

Value = float | int | None


def public_categories() -> list[Category]:
    """The categories anonymous visitors can read: the only ones measured."""
    return list(
        policy.visible_categories(AnonymousUser(), Category.objects.all())
        .select_related("parent")
        .order_by("position", "name")
    )


def month_range(today: dt.date, count: int = MONTHS) -> list[dt.date]:
    """The *count* calendar months ending with *today*'s, oldest first."""
    year, month = today.year, today.month
    months = []
    for _i in range(count):
        months.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _share(part: int, whole: int) -> float | None:
    return None if not whole else round(100 * part / whole, 1)


def _hours(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


def _days(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 86400, 1)


def _ratio(part: int, whole: int) -> float | None:
    return None if not whole else round(part / whole, 2)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    value: Callable[[HealthMonth], Value]
    unit: str = ""  # "%", "h", "d" or "" (a count or a ratio)


@dataclass(frozen=True)
class TableSpec:
    key: str
    title: StrOrPromise
    columns: list[Column]
    note: StrOrPromise = ""


def _c(
    key: str,
    label: StrOrPromise,
    fn: Callable[[HealthMonth], Value],
    unit: str = "",
) -> Column:
    return Column(key, str(label), fn, unit)


TABLES: list[TableSpec] = [
    TableSpec(
        "accepted-answers",
        _("Accepted answers by who wrote them"),
        [
            _c("members", _("Community members"), lambda r: r.accepted_member),
            _c("brand", _("Brand representatives"), lambda r: r.accepted_brand),
            _c("staff", _("Moderators and admins"), lambda r: r.accepted_staff),
            _c(
                "member_share",
                _("Share by members"),
                lambda r: _share(
                    r.accepted_member,
                    r.accepted_member + r.accepted_brand + r.accepted_staff,
                ),
                "%",
            ),
        ],
        _(
            "Questions opened in the month whose accepted answer is still visible, by the role its author had when writing it."
        ),
    ),
    TableSpec(
        "first-replies",
        _("First replies by who wrote them"),
        [
            _c("members", _("Community members"), lambda r: r.first_reply_member),
            _c("brand", _("Brand representatives"), lambda r: r.first_reply_brand),
            _c("staff", _("Moderators and admins"), lambda r: r.first_reply_staff),
            _c(
                "member_share",
                _("Share by members"),
                lambda r: _share(
                    r.first_reply_member,
                    r.first_reply_member + r.first_reply_brand + r.first_reply_staff,
                ),
                "%",
            ),
        ],
        _("Each question's first visible reply by someone other than its author."),
    ),
    TableSpec(
        "peer-reply-time",
        _("Time to the first reply from another member"),
        [
            _c("questions", _("Questions"), lambda r: r.questions),
            _c("peer_replied", _("With a member's reply"), lambda r: r.peer_replied),
            _c(
                "median_hours",
                _("Median (hours)"),
                lambda r: _hours(r.peer_reply_median_s),
                "h",
            ),
            _c(
                "p90_hours",
                _("90th percentile (hours)"),
                lambda r: _hours(r.peer_reply_p90_s),
                "h",
            ),
        ],
        _(
            "From the question to its first reply by a community member other than the asker; nearest-rank median and 90th percentile."
        ),
    ),
    TableSpec(
        "unanswered",
        _("Questions with no reply after 48 hours"),
        [
            _c(
                "questions_48h",
                _("Questions at least 48 h old"),
                lambda r: r.questions_48h,
            ),
            _c("unanswered", _("No reply within 48 h"), lambda r: r.unanswered_48h),
            _c(
                "share",
                _("Share unanswered"),
                lambda r: _share(r.unanswered_48h, r.questions_48h),
                "%",
            ),
        ],
        _(
            "Questions at least 48 hours old with no reply by anyone else in their first 48 hours."
        ),
    ),
    TableSpec(
        "solved",
        _("Questions solved without the brand"),
        [
            _c("solved", _("Solved"), lambda r: r.solved),
            _c(
                "without_brand",
                _("Solved with no brand involvement"),
                lambda r: r.solved_without_brand,
            ),
            _c(
                "share",
                _("Share without the brand"),
                lambda r: _share(r.solved_without_brand, r.solved),
                "%",
            ),
        ],
        _(
            "Solved questions where no brand representative replied and nothing was escalated."
        ),
    ),
    TableSpec(
        "conversation",
        _("Members talking with members"),
        [
            _c("pairs", _("Pairs of members who replied"), lambda r: r.member_pairs),
            _c(
                "both_ways",
                _("Pairs replying both ways"),
                lambda r: r.member_pairs_both_ways,
            ),
            _c(
                "both_ways_share",
                _("Share both ways"),
                lambda r: _share(r.member_pairs_both_ways, r.member_pairs),
                "%",
            ),
            _c("askers", _("Askers"), lambda r: r.askers),
            _c(
                "helpers_per_asker",
                _("Helpers per asker"),
                lambda r: _ratio(r.asker_helpers, r.askers),
            ),
        ],
        _(
            "Pairs of members where one replied to the other's post in the month (a reply to the topic answers its opening post); helpers are members who replied to an asker's questions."
        ),
    ),
    TableSpec(
        "community-or-audience",
        _("Community or audience"),
        [
            _c("topics_replied", _("Topics with replies"), lambda r: r.topics_replied),
            _c(
                "community",
                _("Members replied to each other"),
                lambda r: r.community_topics,
            ),
            _c("audience", _("Only the brand replied"), lambda r: r.audience_topics),
            _c(
                "community_share",
                _("Community share"),
                lambda r: _share(r.community_topics, r.topics_replied),
                "%",
            ),
            _c(
                "audience_share",
                _("Audience share"),
                lambda r: _share(r.audience_topics, r.topics_replied),
                "%",
            ),
        ],
        _(
            "Of the questions with replies by others: topics where two members other than the author replied to each other, against topics where only the brand replied."
        ),
    ),
    TableSpec(
        "newcomers",
        _("Newcomers"),
        [
            _c("newcomers", _("First topics"), lambda r: r.newcomers),
            _c(
                "welcomed",
                _("A member replied within 24 h"),
                lambda r: r.newcomers_welcomed,
            ),
            _c(
                "welcomed_share",
                _("Share welcomed"),
                lambda r: _share(r.newcomers_welcomed, r.newcomers),
                "%",
            ),
            _c(
                "returned",
                _("Welcomed and posted again in 30 days"),
                lambda r: r.newcomers_returned,
            ),
            _c(
                "returned_share",
                _("Share of the welcomed who returned"),
                lambda r: _share(r.newcomers_returned, r.newcomers_welcomed),
                "%",
            ),
        ],
        _("Members whose first public post opened a topic in the month."),
    ),
    TableSpec(
        "brand",
        _("The brand's side"),
        [
            _c("requests", _("Ask-the-brand requests"), lambda r: r.brand_requests),
            _c("answered", _("Answered"), lambda r: r.brand_requests_answered),
            _c(
                "median_hours",
                _("Median time to answer (hours)"),
                lambda r: _hours(r.brand_answer_median_s),
                "h",
            ),
            _c("escalations", _("Escalations opened"), lambda r: r.escalations),
            _c("resolved", _("Escalations resolved"), lambda r: r.escalations_resolved),
        ],
        _(
            "Ask-the-brand requests and escalations made in the month; an escalation is resolved when its topic has been solved."
        ),
    ),
    TableSpec(
        "idea-responses",
        _("The brand's side: responses to ideas"),
        [
            _c("due", _("Ideas due a response"), lambda r: r.ideas_due),
            _c("in_time", _("Answered in time"), lambda r: r.ideas_in_time),
            _c("late", _("Answered late"), lambda r: r.ideas_late),
            _c("unanswered", _("Not answered yet"), lambda r: r.ideas_unanswered),
            _c(
                "in_time_share",
                _("Share answered in time"),
                lambda r: _share(r.ideas_in_time, r.ideas_due),
                "%",
            ),
            _c(
                "median_days",
                _("Median days to the first response"),
                lambda r: _days(r.idea_response_median_s),
                "d",
            ),
        ],
        _(
            "Ideas whose response deadline fell in the month and has passed: the deadline is a set number of days after the idea's community votes reached the response threshold, and a response is a decision owner's public decision made since."
        ),
    ),
]
TABLE_KEYS = {spec.key: spec for spec in TABLES}


@dataclass(frozen=True)
class ChartSpec:
    table: str
    column: str
    title: str
    summary: str  # what a higher value means


CHARTS: list[ChartSpec] = [
    ChartSpec(
        "accepted-answers",
        "member_share",
        str(_("Accepted answers written by community members")),
        str(_("Higher is better: members answer each other.")),
    ),
    ChartSpec(
        "first-replies",
        "member_share",
        str(_("First replies written by community members")),
        str(_("Higher is better: members, not staff, reply first.")),
    ),
    ChartSpec(
        "peer-reply-time",
        "median_hours",
        str(_("Median hours to a first reply from another member")),
        str(_("Lower is better.")),
    ),
    ChartSpec(
        "unanswered",
        "share",
        str(_("Questions with no reply after 48 hours")),
        str(_("Lower is better.")),
    ),
    ChartSpec(
        "community-or-audience",
        "community_share",
        str(_("Topics where members replied to each other")),
        str(_("Higher is better: a community rather than an audience.")),
    ),
    ChartSpec(
        "newcomers",
        "welcomed_share",
        str(_("Newcomers whose first topic got a member's reply within 24 hours")),
        str(_("Higher is better.")),
    ),
]


@dataclass
class Table:
    spec: TableSpec
    months: list[dt.date]
    rows: list[list[Value]]  # one per month, in column order

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def title(self) -> str:
        return str(self.spec.title)

    @property
    def columns(self) -> list[Column]:
        return self.spec.columns

    def month_rows(self) -> list[tuple[dt.date, list[str]]]:
        return [
            (
                month,
                [_format(v, c.unit) for v, c in zip(row, self.columns, strict=True)],
            )
            for month, row in zip(self.months, self.rows, strict=True)
        ]


def _format(value: Value, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "%":
        return f"{value:g} %"
    if unit == "h":
        return f"{value:g} h"
    if unit == "d":
        return f"{value:g} d"
    return f"{value:g}"


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    month: str


@dataclass
class Chart:
    spec: ChartSpec
    table: Table
    unit: str
    bars: list[Bar] = field(default_factory=list)
    gridlines: list[tuple[float, str]] = field(default_factory=list)
    summary: str = ""
    key: str = ""


# The SVG's coordinate system (viewBox); CSS scales it to the page width.
WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 12, 28


def _nice_max(value: float) -> float:
    for step in (1, 2, 5, 10, 12, 24, 48, 72, 100, 168, 336, 720):
        if value <= step:
            return float(step)
    return float(int(value) + 1)


def build_chart(spec: ChartSpec, table: Table) -> Chart:
    index = [c.key for c in table.columns].index(spec.column)
    unit = table.columns[index].unit
    values = [row[index] for row in table.rows]
    top = 100.0 if unit == "%" else _nice_max(max((v or 0) for v in values) or 1)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / len(values)
    chart = Chart(spec=spec, table=table, unit=unit, key=spec.table)
    for i, (month, value) in enumerate(zip(table.months, values, strict=True)):
        height = 0.0 if value is None else plot_h * float(value) / top
        chart.bars.append(
            Bar(
                x=round(LEFT + i * slot + slot * 0.2, 1),
                y=round(TOP + plot_h - height, 1),
                width=round(slot * 0.6, 1),
                height=round(height, 1),
                label=date_format(month, "M"),
                value=_format(value, unit),
                month=date_format(month, "F Y"),
            )
        )
    for fraction in (0.0, 0.5, 1.0):
        chart.gridlines.append(
            (round(TOP + plot_h * (1 - fraction), 1), _format(top * fraction, unit))
        )
    chart.summary = _summary(spec, table, values, unit)
    return chart


def _summary(spec: ChartSpec, table: Table, values: list[Value], unit: str) -> str:
    known = [(m, v) for m, v in zip(table.months, values, strict=True) if v is not None]
    if not known:
        return str(_("No figures yet for these twelve months."))
    latest_month, latest = known[-1]
    low = min(known, key=lambda mv: float(mv[1] or 0))
    high = max(known, key=lambda mv: float(mv[1] or 0))
    return str(
        _(
            "%(latest)s in %(month)s. Over the twelve months: lowest %(low)s "
            "(%(low_month)s), highest %(high)s (%(high_month)s). %(meaning)s"
        )
        % {
            "latest": _format(latest, unit),
            "month": date_format(latest_month, "F Y"),
            "low": _format(low[1], unit),
            "low_month": date_format(low[0], "F Y"),
            "high": _format(high[1], unit),
            "high_month": date_format(high[0], "F Y"),
            "meaning": spec.summary,
        }
    )


@dataclass
class Health:
    category: Category | None
    categories: list[Category]
    months: list[dt.date]
    tables: list[Table]
    charts: list[Chart]
    computed_at: dt.datetime | None


def find_category(categories: list[Category], slug: str) -> Category | None:
    return next((c for c in categories if c.slug == slug), None)


def health(
    category: Category | None,
    categories: list[Category],
    today: dt.date | None = None,
) -> Health:
    """Twelve months of figures for *category* (None: the whole site), in
    one query."""
    months = month_range(today or timezone.now().date())
    rows = {
        row.month: row
        for row in HealthMonth.objects.filter(
            month__gte=months[0],
            month__lte=months[-1],
            category=category,
        )
    }
    blank = HealthMonth()
    tables = [
        Table(
            spec=spec,
            months=months,
            rows=[[c.value(rows.get(m, blank)) for c in spec.columns] for m in months],
        )
        for spec in TABLES
    ]
    by_key = {t.key: t for t in tables}
    charts = [build_chart(spec, by_key[spec.table]) for spec in CHARTS]
    computed = [r.computed_at for r in rows.values()]
    return Health(
        category=category,
        categories=categories,
        months=months,
        tables=tables,
        charts=charts,
        computed_at=max(computed) if computed else None,
    )


def csv_rows(table: Table) -> list[list[str]]:
    """The table as CSV rows: a header, then one row per month (YYYY-MM);
    empty cells where there is no figure, numbers without units."""
    header = ["month"] + [c.key for c in table.columns]
    body = [
        [f"{month:%Y-%m}"] + ["" if v is None else f"{v:g}" for v in row]
        for month, row in zip(table.months, table.rows, strict=True)
    ]
    return [header, *body]
