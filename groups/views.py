"""Thin views for community groups (README "Community groups").

Each view finds the group (404 when the viewer may not see it), asks the
policy, calls one action and redirects; refused input comes back on the same
page with the person's text and a message.
"""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import CommunityGroup, JoinPolicy, User
from accounts.typing import AuthedHttpRequest
from forum.models import Category, CategoryKind
from groups import actions, beta, queries
from groups.models import GroupApplication
from permissions import policy
from permissions.policy import Perm


def _group_or_404(request: HttpRequest, slug: str) -> CommunityGroup:
    group = get_object_or_404(CommunityGroup, slug=slug)
    policy.require(request.user, Perm.VIEW_GROUP, group)
    return group


def _application_or_404(group: CommunityGroup, application_id: int) -> GroupApplication:
    return get_object_or_404(
        GroupApplication.objects.select_related("group", "applicant"),
        pk=application_id,
        group=group,
    )


def _end_of_day(value: str) -> datetime | None:
    """A date typed in a form, as the end of that day; None when empty."""
    value = value.strip()
    if not value:
        return None
    day = parse_date(value)
    if day is None:
        raise ValidationError(_("Write the date as YYYY-MM-DD."), code="expires_at")
    return timezone.make_aware(datetime.combine(day, time(23, 59)))


@require_GET
def group_list_view(request: HttpRequest) -> HttpResponse:
    """/g/: the groups the visitor may see."""
    groups = queries.group_list(request.user)
    mine = request.user.group_ids if request.user.is_authenticated else frozenset()
    return render(request, "groups/list.html", {"groups": groups, "mine": mine})


@require_GET
def group_view(request: HttpRequest, slug: str) -> HttpResponse:
    """/g/<slug>/: description, terms, how to join; members and their recent
    answers for mentionable (expert) groups and for the group's managers."""
    group = _group_or_404(request, slug)
    manages = policy.can(request.user, Perm.MANAGE_GROUP, group)
    page = queries.group_page(
        request.user,
        group,
        show_members=policy.can(request.user, Perm.VIEW_GROUP_MEMBERS, group),
    )
    is_member = request.user.is_authenticated and group.pk in request.user.group_ids
    return render(
        request,
        "groups/group.html",
        {
            "group": group,
            "page": page,
            "manages": manages,
            "is_member": is_member,
            "join": policy.check(request.user, Perm.JOIN_GROUP, group),
            "open": group.join_policy == JoinPolicy.OPEN and not group.terms,
        },
    )


@login_required
@require_POST
def group_join_view(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    group = _group_or_404(request, slug)
    try:
        actions.join_group(request.user, group)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(group)
    messages.success(request, _("You joined %(group)s.") % {"group": group.name})
    return redirect(group)


@login_required
@require_http_methods(["GET", "POST"])
def group_apply_view(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    group = _group_or_404(request, slug)
    policy.require(request.user, Perm.JOIN_GROUP, group)
    questions = group.question_list()
    answers = [""] * len(questions)
    error = ""
    accepted = False
    if request.method == "POST":
        answers = [
            request.POST.get(f"answer-{index}", "") for index in range(len(questions))
        ]
        accepted = request.POST.get("accept_terms") == "on"
        try:
            actions.apply_to_group(
                request.user, group, answers=answers, accept_terms=accepted
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("Your application was sent; the group's managers will decide."),
            )
            return redirect(group)
    return render(
        request,
        "groups/apply.html",
        {
            "group": group,
            "fields": list(zip(questions, answers, strict=True)),
            "error": error,
            "accepted": accepted,
        },
        status=400 if error else 200,
    )


@login_required
@require_GET
def group_manage_view(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    group = _group_or_404(request, slug)
    policy.require(request.user, Perm.MANAGE_GROUP, group)
    return render(
        request,
        "groups/manage.html",
        {
            "group": group,
            "page": queries.manage_page(group),
            "can_end_beta": policy.can(request.user, Perm.END_BETA, group),
        },
    )


@login_required
@require_POST
def group_decide_view(
    request: AuthedHttpRequest, slug: str, application_id: int
) -> HttpResponse:
    group = _group_or_404(request, slug)
    policy.require(request.user, Perm.MANAGE_GROUP, group)
    application = _application_or_404(group, application_id)
    decision = request.POST.get("decision", "")
    try:
        if decision not in ("accept", "decline"):
            raise ValidationError(_("Choose to accept or decline."), code="decision")
        actions.decide_application(
            request.user,
            application,
            accept=decision == "accept",
            reason=request.POST.get("reason", ""),
            expires_at=_end_of_day(request.POST.get("expires_on", "")),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Decision recorded; the applicant was told."))
    return redirect("groups:group_manage", slug=group.slug)


@login_required
@require_POST
def group_recommend_view(
    request: AuthedHttpRequest, slug: str, application_id: int
) -> HttpResponse:
    group = _group_or_404(request, slug)
    policy.require(request.user, Perm.RECOMMEND_APPLICANT, group)
    application = _application_or_404(group, application_id)
    try:
        actions.recommend_applicant(
            request.user, application, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your recommendation is shown to the managers."))
    return redirect(group)


@login_required
@require_POST
def group_add_member_view(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    group = _group_or_404(request, slug)
    policy.require(request.user, Perm.MANAGE_GROUP, group)
    username = request.POST.get("username", "").strip().lstrip("@")
    member = User.objects.filter(username__iexact=username, is_active=True).first()
    try:
        if member is None:
            raise ValidationError(
                _("Nobody here is called @%(name)s.") % {"name": username},
                code="username",
            )
        actions.add_member(
            request.user,
            group,
            member,
            expires_at=_end_of_day(request.POST.get("expires_on", "")),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s was added.") % {"name": member.username})
    return redirect("groups:group_manage", slug=group.slug)


@login_required
@require_POST
def group_remove_member_view(
    request: AuthedHttpRequest, slug: str, user_id: int
) -> HttpResponse:
    group = _group_or_404(request, slug)
    policy.require(request.user, Perm.MANAGE_GROUP, group)
    member = get_object_or_404(User, pk=user_id)
    try:
        actions.remove_member(
            request.user, group, member, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("%(name)s was removed and told why.") % {"name": member.username}
        )
    return redirect("groups:group_manage", slug=group.slug)


@login_required
@require_http_methods(["GET", "POST"])
def group_end_beta_view(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    group = _group_or_404(request, slug)
    policy.require(request.user, Perm.END_BETA, group)
    ideas = list(
        policy.visible_categories(
            request.user,
            Category.objects.filter(
                kind=CategoryKind.IDEAS, restricted_to__isnull=True
            ).select_related("parent"),
        )
    )
    restricted = list(Category.objects.filter(restricted_to=group))
    error = ""
    values = {"outcome": "", "into": "", "reason": ""}
    if request.method == "POST":
        values = {key: request.POST.get(key, "") for key in values}
        into = next((c for c in ideas if str(c.pk) == values["into"]), None)
        try:
            count = beta.end_beta(
                request.user,
                group,
                outcome=values["outcome"],
                into=into,
                reason=values["reason"],
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("Done: %(n)d moved or opened. Nothing was deleted.") % {"n": count},
            )
            return redirect("groups:group_manage", slug=group.slug)
    return render(
        request,
        "groups/end_beta.html",
        {
            "group": group,
            "ideas": ideas,
            "restricted": restricted,
            "error": error,
            "values": values,
        },
        status=400 if error else 200,
    )
