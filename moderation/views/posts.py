"""Moderator actions on one post: hide, unhide, remove, redact.

Every view asks the policy before anything else, so a brand representative
(or a moderator of another category) gets 403 even on GET; the action asks
again. A refused form re-renders with what was typed, status 400.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.typing import AuthedHttpRequest
from forum.models import Post
from moderation.actions import posts as actions
from moderation.forms import ModerationForm
from moderation.models import ModerationAction
from permissions import policy
from permissions.policy import Perm


class RemovePostForm(ModerationForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("Remove as"),
        choices=[
            (actions.RemovalKind.SPAM, gettext_lazy("Spam (the author may appeal)")),
            (
                actions.RemovalKind.ILLEGAL,
                gettext_lazy("Illegal content (purged from the history, for good)"),
            ),
        ],
        widget=forms.RadioSelect,
    )
    field_order = ["kind", "rule", "reason"]


class RedactPostForm(ModerationForm):
    text = forms.CharField(
        label=gettext_lazy("Exact text to redact"),
        help_text=gettext_lazy(
            "Personal data only. Every occurrence, in the post and in its history, "
            "becomes “[redacted]”. Case-sensitive."
        ),
        min_length=actions.REDACT_MIN_LENGTH,
        max_length=500,
        strip=False,
    )
    field_order = ["text", "rule", "reason"]


# Where an action's ValidationError belongs on the form.
_ERROR_FIELDS = {"reason": "reason", "rule": "rule", "kind": "kind", "text": "text"}


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    for error in exc.error_list:
        field = _ERROR_FIELDS.get(error.code or "")
        form.add_error(field if field in form.fields else None, error)


def _post_or_404(post_id: int) -> Post:
    return get_object_or_404(
        Post.objects.select_related("topic__category__parent", "author"), pk=post_id
    )


def _moderate(
    request: AuthedHttpRequest,
    post_id: int,
    *,
    perm: Perm,
    form_class: type[ModerationForm],
    template: str,
    act: Callable[[Post, dict[str, Any]], ModerationAction | None],
    done: str,
    unchanged: str,
) -> HttpResponse:
    """The one shape of these views: require, validate, act, redirect."""
    post = _post_or_404(post_id)
    policy.require(request.user, perm, post)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            action = act(post, form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if action is None:
                messages.info(request, unchanged)
            else:
                messages.success(request, done)
            return redirect(post.topic.get_post_url(post.number))
    return render(
        request,
        template,
        {"post": post, "topic": post.topic, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_hide_view(request: AuthedHttpRequest, post_id: int) -> HttpResponse:
    return _moderate(
        request,
        post_id,
        perm=Perm.HIDE_POST,
        form_class=ModerationForm,
        template="moderation/post_hide/index.html",
        act=lambda post, data: actions.hide_post(
            request.user, post, rule=data["rule"], reason=data["reason"]
        ),
        done=_("The post is hidden; the tombstone shows your rule and reason."),
        unchanged=_("The post was already hidden."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_unhide_view(request: AuthedHttpRequest, post_id: int) -> HttpResponse:
    return _moderate(
        request,
        post_id,
        perm=Perm.HIDE_POST,
        form_class=ModerationForm,
        template="moderation/post_unhide/index.html",
        act=lambda post, data: actions.unhide_post(
            request.user, post, rule=data["rule"], reason=data["reason"]
        ),
        done=_("The post is visible again."),
        unchanged=_("The post wasn't hidden."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_remove_view(request: AuthedHttpRequest, post_id: int) -> HttpResponse:
    return _moderate(
        request,
        post_id,
        perm=Perm.REMOVE_POST,
        form_class=RemovePostForm,
        template="moderation/post_remove/index.html",
        act=lambda post, data: actions.remove_post(
            request.user,
            post,
            kind=data["kind"],
            rule=data["rule"],
            reason=data["reason"],
        ),
        done=_("The post was removed; its record stays in the thread."),
        unchanged=_("The post was already removed."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_redact_view(request: AuthedHttpRequest, post_id: int) -> HttpResponse:
    return _moderate(
        request,
        post_id,
        perm=Perm.REDACT_POST,
        form_class=RedactPostForm,
        template="moderation/post_redact/index.html",
        act=lambda post, data: actions.redact_post(
            request.user,
            post,
            text=data["text"],
            rule=data["rule"],
            reason=data["reason"],
        ),
        done=_("Redacted from the post and its whole history."),
        unchanged="",
    )


urlpatterns: list[URLPattern] = [
    path("p/<int:post_id>/moderate/hide/", post_hide_view, name="post_hide"),
    path("p/<int:post_id>/moderate/unhide/", post_unhide_view, name="post_unhide"),
    path("p/<int:post_id>/moderate/remove/", post_remove_view, name="post_remove"),
    path("p/<int:post_id>/moderate/redact/", post_redact_view, name="post_redact"),
]
