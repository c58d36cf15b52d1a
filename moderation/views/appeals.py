"""Appeals: the affected member appeals once; another moderator decides."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.typing import AuthedHttpRequest
from moderation.actions import appeals as actions
from moderation.appeal_links import AppealLinkError, read_appeal_token
from moderation.log import REASON_MAX_LENGTH
from moderation.models import Appeal, AppealStatus, ModerationAction
from permissions import policy
from permissions.policy import Perm

APPEALS_PER_PAGE = 50


class AppealForm(forms.Form):
    statement = forms.CharField(
        label=gettext_lazy("Why should this decision be reversed?"),
        min_length=actions.STATEMENT_MIN_LENGTH,
        max_length=actions.STATEMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "Between 20 and 2000 characters. You can appeal each action once; "
            "a different moderator decides, and the outcome is public."
        ),
    )


class AppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("uphold", gettext_lazy("Uphold: reverse the action")),
            ("deny", gettext_lazy("Deny: the action stands")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (the member and the public log see it)"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    """Attach an action's ValidationError to the field it is about."""
    for error in exc.error_list:
        field = error.code if error.code in form.fields else None
        form.add_error(field, error)


# --- The affected member appeals --------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def appeal_view(request: AuthedHttpRequest, action_id: int) -> HttpResponse:
    """GET shows the action (and the appeal, once filed); POST files the appeal."""
    action = get_object_or_404(
        ModerationAction.objects.select_related("appeal", "topic", "post", "category"),
        pk=action_id,
    )
    appeal = _appeal_of(action)
    if request.method == "GET" and appeal is not None:
        # The appellant comes back to see where their appeal stands.
        if appeal.appellant_id != request.user.pk:
            policy.require(request.user, Perm.APPEAL_ACTION, action)
        return render(
            request,
            "moderation/appeal/index.html",
            {"action": action, "appeal": appeal, "form": None},
        )
    policy.require(request.user, Perm.APPEAL_ACTION, action)

    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.appeal_action(
                request.user, action, statement=form.cleaned_data["statement"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Your appeal was sent. A different moderator will decide, "
                    "and you'll be told the outcome."
                ),
            )
            return redirect("moderation:appeal", action.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "moderation/appeal/index.html",
        {"action": action, "appeal": None, "form": form},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def appeal_by_link_view(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link in the email telling a member about an action against
    them. It works without signing in, so a suspended member (who cannot
    sign in) can still appeal their suspension."""
    try:
        user, action = read_appeal_token(token)
    except AppealLinkError as exc:
        return render(
            request,
            "moderation/appeal/index.html",
            {"link_error": str(exc)},
            status=404,
        )
    appeal = _appeal_of(action)
    if appeal is not None:
        return render(
            request,
            "moderation/appeal/index.html",
            {"action": action, "appeal": appeal, "form": None},
        )
    policy.require(user, Perm.APPEAL_ACTION, action)
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.appeal_action(
                user, action, statement=form.cleaned_data["statement"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Your appeal was sent. A different moderator will decide, "
                    "and you'll be told the outcome."
                ),
            )
            return redirect("moderation:appeal_by_link", token)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "moderation/appeal/index.html",
        {"action": action, "appeal": None, "form": form},
        status=status,
    )


def _appeal_of(action: ModerationAction) -> Appeal | None:
    try:
        return action.appeal
    except Appeal.DoesNotExist:
        return None


# --- Moderators decide --------------------------------------------------------------


def _decidable_appeals(request: AuthedHttpRequest) -> QuerySet[Appeal]:
    """Pending appeals the user may decide (the policy's decidable_appeals): in
    the categories they moderate (all, for admins), never against their own
    actions, never their own."""
    appeals = (
        Appeal.objects.filter(status=AppealStatus.PENDING)
        .select_related(
            "appellant",
            "action__category",
            "action__topic",
            "action__post",
            "action__target_user",
        )
        .order_by("created_at", "pk")
    )
    return policy.decidable_appeals(request.user, appeals)


def _render_queue(
    request: AuthedHttpRequest,
    *,
    failed: Appeal | None = None,
    failed_form: AppealDecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    page_number = request.GET.get("page") or 1
    page = Paginator(_decidable_appeals(request), APPEALS_PER_PAGE).get_page(
        page_number
    )
    page.object_list = list(page.object_list)
    for appeal in page.object_list:
        if failed is not None and appeal.pk == failed.pk:
            appeal.form = failed_form
        else:
            appeal.form = AppealDecisionForm(auto_id=f"id_appeal{appeal.pk}_%s")
    return render(
        request,
        "moderation/appeals/index.html",
        {
            "page_obj": page,
            "can_see_names": policy.can(request.user, Perm.VIEW_MODERATOR_NAMES, None),
        },
        status=status,
    )


@login_required
@require_GET
def appeals_view(request: AuthedHttpRequest) -> HttpResponse:
    """The queue of pending appeals the current moderator or admin may decide."""
    # The appeals queue belongs to the review work: moderators and admins,
    # never brand representatives.
    policy.require(request.user, Perm.VIEW_REVIEW_QUEUE, None)
    return _render_queue(request)


@login_required
@require_POST
def appeal_decide_view(request: AuthedHttpRequest, appeal_id: int) -> HttpResponse:
    """Uphold or deny one appeal; bad input re-renders the queue (400)."""
    appeal = get_object_or_404(
        Appeal.objects.select_related("action__category"), pk=appeal_id
    )
    policy.require(request.user, Perm.DECIDE_APPEAL, appeal)
    form = AppealDecisionForm(request.POST, auto_id=f"id_appeal{appeal.pk}_%s")
    if form.is_valid():
        uphold = form.cleaned_data["decision"] == "uphold"
        try:
            actions.decide_appeal(
                request.user,
                appeal,
                uphold=uphold,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            if exc.error_list and exc.error_list[0].code == "decided":
                messages.error(request, exc.error_list[0].message)
        else:
            if uphold:
                text = _("Appeal upheld: the action was reversed.")
            else:
                text = _("Appeal denied: the action stands.")
            messages.success(request, text)
            return redirect(reverse("moderation:appeals"))
    return _render_queue(request, failed=appeal, failed_form=form, status=400)


urlpatterns = [
    path("moderation/actions/<int:action_id>/appeal/", appeal_view, name="appeal"),
    path("moderation/appeals/", appeals_view, name="appeals"),
    path("appeal/<str:token>/", appeal_by_link_view, name="appeal_by_link"),
    path(
        "moderation/appeals/<int:appeal_id>/decide/",
        appeal_decide_view,
        name="appeal_decide",
    ),
]
