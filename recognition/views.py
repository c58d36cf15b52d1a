"""The member directory, "Confirmed by <brand>" and its public record."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.typing import AuthedHttpRequest
from forum import queries as forum_queries
from forum.models import Post
from permissions import policy
from permissions.policy import Perm
from recognition import actions, queries
from recognition.models import Confirmation
from recognition.rules import RULES


class ConfirmForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("A note shown with it (optional)"),
        max_length=actions.NOTE_MAX_LENGTH,
        required=False,
        widget=forms.TextInput,
    )


def _page(request: HttpRequest, items: object, per_page: int) -> object:
    return Paginator(items, per_page).get_page(request.GET.get("page"))  # type: ignore[arg-type]


@require_GET
def directory_view(request: HttpRequest) -> HttpResponse:
    """Members by peer-validated help over a period; filter by group."""
    period = request.GET.get("period", queries.DEFAULT_PERIOD)
    if period not in queries.PERIODS:
        period = queries.DEFAULT_PERIOD
    groups = queries.directory_groups(request.user)
    wanted = request.GET.get("group", "")
    group = next((g for g in groups if g.slug == wanted), None)
    # An unknown slug and a group whose membership the viewer may not see
    # read the same: everyone is shown, with the same notice (nothing leaks).
    unknown_group = bool(wanted) and group is None
    members = queries.directory(request.user, period=period, group=group)
    page = _page(request, members, queries.MEMBERS_PER_PAGE)
    return render(
        request,
        "recognition/directory/index.html",
        {
            "page_obj": page,
            "period": period,
            "periods": [(key, label) for key, (label, _d) in queries.PERIODS.items()],
            "groups": groups,
            "group": group,
            "unknown_group": unknown_group,
            "rules": RULES,
            "page_query": forum_queries.page_query(request.GET.dict()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def confirm_view(request: AuthedHttpRequest, post_id: int) -> HttpResponse:
    """A representative confirms a member's answer, or withdraws the confirmation."""
    post = get_object_or_404(
        Post.objects.select_related("topic", "topic__category", "author"), pk=post_id
    )
    policy.require(request.user, Perm.VIEW_TOPIC, post.topic)
    confirmation = (
        Confirmation.objects.select_related("brand").filter(post=post).first()
    )
    withdrawing = confirmation is not None and not confirmation.is_withdrawn
    if withdrawing and confirmation is not None:
        confirmation.post = post
        policy.require(request.user, Perm.WITHDRAW_CONFIRMATION, confirmation)
    else:
        policy.require(request.user, Perm.CONFIRM_ANSWER, post)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if withdrawing:
                actions.withdraw_confirmation(
                    request.user, post, note=form.cleaned_data["note"]
                )
            else:
                actions.confirm_answer(
                    request.user, post, note=form.cleaned_data["note"]
                )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("note", message)
        else:
            messages.success(
                request,
                _("The confirmation was withdrawn, in public.")
                if withdrawing
                else _("The answer shows your brand's confirmation."),
            )
            return redirect(post.topic.get_post_url(post.number))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "recognition/confirm/index.html",
        {
            "post": post,
            "form": form,
            "withdrawing": withdrawing,
            "confirmation": confirmation,
        },
        status=status,
    )


@require_GET
def confirmations_view(request: HttpRequest) -> HttpResponse:
    """The public record of every confirmation and withdrawal."""
    page = _page(request, queries.confirmation_record(request.user), 50)
    return render(request, "recognition/confirmations/index.html", {"page_obj": page})
