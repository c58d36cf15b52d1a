"""The public side of moderation: the log, its feed, the monthly transparency
summary and the community rules.

Visibility in the log: an action in a category the viewer can't see is left
out of the log entirely (its kind, date and alias would otherwise tell that
something happened in a private group). Actions without a category (member
sanctions) are public. A topic's title and link are shown only when the
viewer may open that topic now (it may have been deleted, hidden, or moved
somewhere private since); otherwise the row says "a topic you can't see".
The transparency summary counts every action, because counts name nothing.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, cast

from django import forms
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from forum.models import Category
from moderation import feeds
from moderation.models import (
    ActionKind,
    Appeal,
    AppealStatus,
    Flag,
    FlagStatus,
    ModerationAction,
    Rule,
)
from moderation.queries import appeal_of, attach_targets, visible_actions
from permissions import policy
from permissions.policy import Perm

LOG_PAGE_SIZE = 50
ALIAS_NUMBER = re.compile(r"^#?\s*(\d{1,9})$")


# --- The public moderation log -------------------------------------------------------


class LogFilterForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    kind = forms.ChoiceField(
        label=gettext_lazy("Action"),
        required=False,
        choices=[("", gettext_lazy("Any action")), *ActionKind.choices],
    )
    moderator = forms.CharField(
        label=gettext_lazy("Moderator"),
        required=False,
        max_length=40,
        help_text=gettext_lazy("An alias, like “Moderator #7”, or just #7."),
    )

    def __init__(self, *args: Any, categories: list[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.categories = {category.slug: category for category in categories}
        cast(forms.ChoiceField, self.fields["category"]).choices = [
            ("", _("Every category")),
            *(
                (
                    category.slug,
                    f"{category.parent.name} › {category.name}"
                    if category.parent
                    else category.name,
                )
                for category in categories
            ),
        ]

    def filter(self, actions: QuerySet[ModerationAction]) -> QuerySet[ModerationAction]:
        """Apply the filters that validated; invalid ones are reported, not applied."""
        data = getattr(self, "cleaned_data", {})
        category = self.categories.get(data.get("category") or "")
        if category is not None:
            actions = actions.filter(
                Q(category=category) | Q(category__parent=category)
            )
        if data.get("kind"):
            actions = actions.filter(kind=data["kind"])
        moderator = " ".join((data.get("moderator") or "").split())
        if moderator:
            number = ALIAS_NUMBER.match(moderator)
            if number:
                # "#7" or "7": the alias keeps its number when the role changes.
                actions = actions.filter(actor_alias__endswith=f" #{number[1]}")
            else:
                actions = actions.filter(actor_alias=moderator)
        return actions

    def query(self) -> str:
        data = getattr(self, "cleaned_data", {})
        pairs = {
            key: data[key] for key in ("category", "kind", "moderator") if data.get(key)
        }
        return urlencode(pairs) + "&" if pairs else ""


@require_GET
def log_view(request: HttpRequest) -> HttpResponse:
    """Every moderation action the viewer may see, newest first, 50 a page."""
    categories = list(
        policy.visible_categories(request.user, Category.objects.all()).select_related(
            "parent"
        )
    )
    form = LogFilterForm(request.GET or None, categories=categories)
    is_valid = form.is_valid() if form.is_bound else True
    actions = form.filter(visible_actions(request.user))
    page_number = request.GET.get("page") or 1
    page = Paginator(actions, LOG_PAGE_SIZE).get_page(page_number)
    page.object_list = list(page.object_list)
    attach_targets(request.user, page.object_list)
    for action in page.object_list:
        action.the_appeal = appeal_of(action)
    return render(
        request,
        "moderation/log/index.html",
        {
            "form": form,
            "page_obj": page,
            "page_query": form.query(),
            "can_see_names": policy.can(request.user, Perm.VIEW_MODERATOR_NAMES, None),
            "is_filtered": bool(form.query()),
        },
        status=200 if is_valid else 400,
    )


# --- The monthly transparency summary --------------------------------------------------


def _month_start(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=timezone.get_current_timezone())


def _shift(month: date, by: int) -> date:
    index = month.year * 12 + month.month - 1 + by
    return date(index // 12, index % 12 + 1, 1)


def _parse_month(value: str | None, current: date) -> tuple[date | None, str]:
    """The month asked for, or None and the reason it can't be shown."""
    if not value:
        return current, ""
    match = re.fullmatch(r"(\d{4})-(\d{2})", value.strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1970:
        return None, _(
            "“%(value)s” isn't a month. Give it as YYYY-MM, for example %(example)s."
        ) % {"value": value, "example": current.strftime("%Y-%m")}
    requested = date(int(match[1]), int(match[2]), 1)
    if requested > current:
        return None, _("That month hasn't happened yet.")
    return requested, ""


@require_GET
def transparency_view(request: HttpRequest) -> HttpResponse:
    """Counts for one month (default: this one), from aggregate queries.

    Appeals and flags count where they happened in the month: received by
    creation date, upheld / denied / agreed / disagreed by decision date;
    "pending" counts the month's appeals still waiting today.
    """
    today = timezone.localdate()
    current = date(today.year, today.month, 1)
    recent_months = [_shift(current, -i) for i in range(12)]
    month, error = _parse_month(request.GET.get("month"), current)
    if month is None:
        return render(
            request,
            "moderation/transparency/index.html",
            {"error": error, "recent_months": recent_months},
            status=400,
        )
    start = _month_start(month.year, month.month)
    following = _shift(month, 1)
    end = _month_start(following.year, following.month)
    in_month = Q(created_at__gte=start, created_at__lt=end)
    decided_in_month = Q(decided_at__gte=start, decided_at__lt=end)
    resolved_in_month = Q(resolved_at__gte=start, resolved_at__lt=end)

    actions = ModerationAction.objects.filter(in_month)
    kind_labels = dict(ActionKind.choices)
    by_kind = [
        {"kind": kind_labels.get(row["kind"], row["kind"]), "count": row["count"]}
        for row in actions.values("kind")
        .annotate(count=Count("pk"))
        .order_by("-count", "kind")
    ]
    by_rule = [
        {
            "rule": (
                f"{row['rule__number']}. {row['rule__title']}"
                if row["rule_id"] is not None
                else _("Other (no rule cited)")
            ),
            "count": row["count"],
        }
        for row in actions.values("rule_id", "rule__number", "rule__title")
        .annotate(count=Count("pk"))
        .order_by(F("rule__number").asc(nulls_last=True))
    ]
    action_totals = actions.aggregate(
        total=Count("pk"),
        followed_brand_flag=Count("pk", filter=Q(followed_brand_flag=True)),
    )
    appeals = Appeal.objects.filter(in_month | decided_in_month).aggregate(
        received=Count("pk", filter=in_month),
        upheld=Count("pk", filter=decided_in_month & Q(status=AppealStatus.UPHELD)),
        denied=Count("pk", filter=decided_in_month & Q(status=AppealStatus.DENIED)),
        pending=Count("pk", filter=in_month & Q(status=AppealStatus.PENDING)),
    )
    brand = Q(from_brand_rep=True)
    flags = Flag.objects.filter(in_month | resolved_in_month).aggregate(
        received=Count("pk", filter=in_month),
        agreed=Count("pk", filter=resolved_in_month & Q(status=FlagStatus.AGREED)),
        disagreed=Count(
            "pk", filter=resolved_in_month & Q(status=FlagStatus.DISAGREED)
        ),
        brand_received=Count("pk", filter=in_month & brand),
        brand_agreed=Count(
            "pk", filter=resolved_in_month & brand & Q(status=FlagStatus.AGREED)
        ),
        brand_disagreed=Count(
            "pk", filter=resolved_in_month & brand & Q(status=FlagStatus.DISAGREED)
        ),
    )
    return render(
        request,
        "moderation/transparency/index.html",
        {
            "month": month,
            "is_current": month == current,
            "previous_month": _shift(month, -1),
            "next_month": following if following <= current else None,
            "recent_months": recent_months,
            "by_kind": by_kind,
            "by_rule": by_rule,
            "action_totals": action_totals,
            "appeals": appeals,
            "flags": flags,
        },
    )


# --- The rules ------------------------------------------------------------------------


@require_GET
def rules_view(request: HttpRequest) -> HttpResponse:
    """The numbered community rules that every moderation action cites."""
    rules = Rule.objects.filter(is_active=True).order_by("number")
    return render(request, "moderation/rules/index.html", {"rules": rules})


urlpatterns = [
    path("moderation/log/", log_view, name="log"),
    path(
        "moderation/log/feed/", require_GET(feeds.ModerationLogFeed()), name="log_feed"
    ),
    path("moderation/transparency/", transparency_view, name="transparency"),
    path("rules/", rules_view, name="rules"),
]
