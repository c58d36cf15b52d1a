"""Thin views of the ideas board: parse, call ideas.actions / ideas.queries,
render. Vote and unvote are plain form posts that htmx also sends in place."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.typing import AuthedHttpRequest
from forum.models import Category, CategoryKind, IdeaStatus, Topic
from ideas import actions, queries
from ideas.forms import DecisionForm
from permissions import policy
from permissions.policy import Perm


def _idea_or_404(request: HttpRequest, topic_id: int) -> Topic:
    topic = get_object_or_404(
        Topic.objects.select_related("category", "category__parent"), pk=topic_id
    )
    policy.require(request.user, Perm.VIEW_TOPIC, topic)
    return topic


@require_GET
def board_view(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    category = None
    if slug is not None:
        category = get_object_or_404(
            Category.objects.select_related("parent"),
            slug=slug,
            kind=CategoryKind.IDEAS,
        )
        policy.require(request.user, Perm.VIEW_CATEGORY, category)
    status = request.GET.get("status", "")
    if status not in IdeaStatus.values or status == "":
        status = "new" if status == "new" else ""
    sort = request.GET.get("sort", queries.DEFAULT_SORT)
    if sort not in queries.SORTS:
        sort = queries.DEFAULT_SORT
    ideas = queries.board(
        request.user,
        category=category,
        status=IdeaStatus.NONE if status == "new" else (status or None),
        sort=sort,
    )
    page = Paginator(ideas, queries.IDEAS_PER_PAGE).get_page(request.GET.get("page"))
    topics = list(page.object_list)
    queries.attach_my_votes(request.user, topics)
    return render(
        request,
        "ideas/board.html",
        {
            "category": category,
            "page_obj": page,
            "ideas": topics,
            "status": status,
            "sort": sort,
            "sorts": list(queries.SORTS.items()),
            "statuses": [("new", _("New"))]
            + [(v, label) for v, label in IdeaStatus.choices if v],
            "threshold": settings.IDEAS_RESPONSE_VOTES,
        },
    )


@require_GET
def shipped_view(request: HttpRequest) -> HttpResponse:
    return render(
        request, "ideas/shipped.html", {"ideas": queries.shipped(request.user)}
    )


@require_GET
def history_view(request: HttpRequest, topic_id: int) -> HttpResponse:
    topic = _idea_or_404(request, topic_id)
    if topic.category.kind != CategoryKind.IDEAS:
        return redirect(topic.get_absolute_url())
    return render(
        request,
        "ideas/history.html",
        {"topic": topic, "panel": queries.panel(request.user, topic)},
    )


def _back_to_idea(request: HttpRequest, topic: Topic) -> HttpResponse:
    return redirect(topic.get_absolute_url() + "#idea-panel")


@login_required
@require_POST
def vote_view(request: AuthedHttpRequest, topic_id: int) -> HttpResponse:
    topic = _idea_or_404(request, topic_id)
    actions.vote(request.user, topic)
    if not request.htmx:
        messages.success(request, _("Your vote is in. You can take it back any time."))
    return _back_to_idea(request, topic)


@login_required
@require_POST
def unvote_view(request: AuthedHttpRequest, topic_id: int) -> HttpResponse:
    topic = _idea_or_404(request, topic_id)
    actions.unvote(request.user, topic)
    if not request.htmx:
        messages.success(request, _("Your vote was withdrawn."))
    return _back_to_idea(request, topic)


@login_required
@require_http_methods(["GET", "POST"])
def decide_view(request: AuthedHttpRequest, topic_id: int) -> HttpResponse:
    topic = _idea_or_404(request, topic_id)
    policy.require(request.user, Perm.SET_IDEA_STATUS, topic)
    form = DecisionForm(
        request.POST or None, initial={"status": topic.idea_status or ""}
    )
    if request.method == "POST" and form.is_valid():
        try:
            decision = actions.decide(
                request.user,
                topic,
                status=form.cleaned_data["status"],
                rationale=form.cleaned_data["rationale"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(
                    "status" if getattr(exc, "code", "") == "status" else "rationale",
                    message,
                )
        else:
            messages.success(
                request,
                _("Decision recorded: %(status)s. Everyone who voted is told.")
                % {"status": decision.get_status_display()},
            )
            return redirect(f"{topic.get_absolute_url()}#decision-{decision.pk}")
    return render(
        request,
        "ideas/decide.html",
        {"topic": topic, "form": form},
        status=400 if request.method == "POST" else 200,
    )
