from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts import actions, mentions
from accounts.forms import ProfileForm
from accounts.models import User
from accounts.typing import AuthedHttpRequest
from forum.cache import cache_anonymous_page
from permissions import policy
from permissions.policy import Perm
from recognition import queries as recognition_queries


@require_GET
@cache_anonymous_page
def profile_view(request: HttpRequest, username: str) -> HttpResponse:
    """A person and what they did, as far as the viewer may read it."""
    profile = get_object_or_404(
        User.objects.select_related("brand"), username=username, is_active=True
    )
    done = recognition_queries.profile(request.user, profile)
    page = Paginator(done.posts, recognition_queries.POSTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/profile/index.html",
        {"profile": profile, "done": done, "page_obj": page},
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    initial = {"display_name": user.display_name, "bio": user.bio}
    form = ProfileForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        actions.update_profile(
            user,
            user,
            display_name=form.cleaned_data["display_name"],
            bio=form.cleaned_data["bio"],
            avatar=form.cleaned_data["avatar"],
            remove_avatar=form.cleaned_data["remove_avatar"],
        )
        messages.success(request, _("Your profile was saved."))
        return redirect("accounts:settings")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "accounts/settings/index.html", {"form": form}, status=status
    )


@require_GET
def mention_suggestions_view(request: AuthedHttpRequest) -> HttpResponse:
    """The composer's @ autocomplete: members and groups the author may
    mention (JSON), at most MENTION_LOOKUPS_PER_MINUTE a minute."""
    policy.require(request.user, Perm.PREVIEW_POST, None)
    if not mentions.may_look_up(request.user):
        return JsonResponse(
            {"error": _("Too many lookups: wait a minute, or type the name.")},
            status=429,
        )
    found = mentions.suggestions(request.user, request.GET.get("q", ""))
    return JsonResponse(
        {
            "results": [
                {
                    "insert": item.insert,
                    "label": item.label,
                    "detail": item.detail,
                    "kind": item.kind,
                }
                for item in found
            ]
        }
    )
