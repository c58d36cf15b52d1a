"""The drafts page, and the composer's save and restore requests."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_POST

from accounts.typing import AuthedHttpRequest
from drafts import actions, queries
from permissions import policy
from permissions.policy import Perm


@login_required
@require_GET
def drafts_view(request: AuthedHttpRequest) -> HttpResponse:
    """My drafts, newest first; those whose topic I can no longer see are left out."""
    policy.require(request.user, Perm.KEEP_OWN_STATE, None)
    drafts = []
    for draft in queries.drafts_of(request.user):
        if draft.topic is not None:
            if not policy.can(request.user, Perm.VIEW_TOPIC, draft.topic):
                continue
        elif draft.category is None or not policy.can(
            request.user, Perm.VIEW_CATEGORY, draft.category
        ):
            continue
        drafts.append((draft, queries.continue_url(draft)))
    return render(request, "drafts/index.html", {"drafts": drafts})


@require_POST
def draft_save_view(request: AuthedHttpRequest) -> HttpResponse:
    """Save the composer's text (htmx while typing, a beacon on leaving)."""
    try:
        draft = actions.save_draft(
            request.user,
            key=request.POST.get("draft_key", ""),
            body=request.POST.get("body", ""),
            title=request.POST.get("title", ""),
        )
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400)
    if draft is None:
        return HttpResponse("")
    when = date_format(timezone.localtime(draft.updated_at), "H:i")
    return HttpResponse(f"Draft saved at {when}.")


@require_GET
def draft_load_view(request: AuthedHttpRequest) -> HttpResponse:
    """The saved text of one composer, to restore it (JSON; 204 when none)."""
    policy.require(request.user, Perm.KEEP_OWN_STATE, None)
    draft = queries.draft_for(request.user, request.GET.get("key", ""))
    if draft is None:
        return HttpResponse(status=204)
    return JsonResponse(
        {
            "body": draft.body,
            "title": draft.title,
            "saved": date_format(timezone.localtime(draft.updated_at), "j F, H:i"),
        }
    )


@require_POST
def draft_discard_view(request: AuthedHttpRequest, draft_id: int) -> HttpResponse:
    actions.discard_draft(request.user, draft_id)
    return redirect("drafts:index")
