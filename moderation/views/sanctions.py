"""Sanctioning a member (warn, silence, suspend), and the page a suspended
member lands on when their session ends."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.middleware import SUSPENDED_SESSION_KEY
from accounts.models import User
from accounts.typing import AuthedHttpRequest
from config import converters  # noqa: F401  (registers "username")
from forum.models import Post
from moderation.actions import sanctions as actions
from moderation.forms import ModerationForm
from moderation.models import Sanction, SanctionKind
from permissions import policy
from permissions.policy import Perm


class SanctionForm(ModerationForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("Sanction"),
        choices=SanctionKind.choices,
        widget=forms.RadioSelect,
    )
    duration_days = forms.IntegerField(
        label=gettext_lazy("Days"), required=False, min_value=0, max_value=365
    )
    duration_hours = forms.IntegerField(
        label=gettext_lazy("Hours"), required=False, min_value=0, max_value=23
    )
    post = forms.IntegerField(required=False, widget=forms.HiddenInput)
    field_order = ["kind", "duration_days", "duration_hours", "rule", "reason"]

    def duration(self) -> timedelta | None:
        """The duration typed, or None when both boxes are empty or zero."""
        days = self.cleaned_data.get("duration_days") or 0
        hours = self.cleaned_data.get("duration_hours") or 0
        if not days and not hours:
            return None
        return timedelta(days=days, hours=hours)


_ERROR_FIELDS = {
    "reason": "reason",
    "rule": "rule",
    "kind": "kind",
    "duration": "duration_days",
}


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    for error in exc.error_list:
        field = _ERROR_FIELDS.get(error.code or "")
        form.add_error(field if field in form.fields else None, error)


def _context_post(request: AuthedHttpRequest, target: User, raw: object) -> Post | None:
    """The post the sanction is about, when it is the target's and readable."""
    try:
        post_id = int(str(raw))
    except (TypeError, ValueError):
        return None
    post = (
        Post.objects.select_related("topic__category__parent", "author")
        .filter(pk=post_id, author=target)
        .first()
    )
    if post is None or not policy.can(request.user, Perm.VIEW_TOPIC, post.topic):
        return None
    return post


@login_required
@require_http_methods(["GET", "POST"])
def sanction_view(request: AuthedHttpRequest, username: str) -> HttpResponse:
    target = get_object_or_404(User, username=username)
    policy.require(request.user, Perm.SANCTION_USER, target)
    data = request.POST if request.method == "POST" else None
    post = _context_post(
        request,
        target,
        request.POST.get("post") if data is not None else request.GET.get("post"),
    )
    form = SanctionForm(data, initial={"post": post.pk if post else None})
    if data is not None and form.is_valid():
        kind = form.cleaned_data["kind"]
        try:
            action = actions.sanction_user(
                request.user,
                target,
                kind=kind,
                rule=form.cleaned_data["rule"],
                reason=form.cleaned_data["reason"],
                duration=form.duration(),
                post=post,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "%(name)s: %(sanction)s. They are notified with your rule and reason."
                )
                % {
                    "name": target.username,
                    "sanction": action.get_kind_display(),
                },
            )
            if post is not None:
                return redirect(post.topic.get_post_url(post.number))
            return redirect(target.get_absolute_url())
    recent = list(
        Sanction.objects.filter(user=target)
        .select_related("rule")
        .order_by("-starts_at")[:10]
    )
    return render(
        request,
        "moderation/sanction/index.html",
        {"target": target, "post": post, "form": form, "recent": recent},
        status=400 if data is not None else 200,
    )


@require_GET
def suspended_view(request: HttpRequest) -> HttpResponse:
    """Where SuspensionMiddleware sends a member whose session it ended."""
    until = None
    raw = request.session.get(SUSPENDED_SESSION_KEY)
    if raw:
        try:
            until = datetime.fromisoformat(raw)
        except ValueError:
            until = None
    return render(request, "moderation/suspended/index.html", {"until": until})


urlpatterns: list[URLPattern] = [
    path("u/<username:username>/sanction/", sanction_view, name="sanction"),
    path("suspended/", suspended_view, name="suspended"),
]
