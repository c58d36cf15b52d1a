from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import actions
from accounts.forms import ProfileForm
from accounts.models import User
from accounts.typing import AuthedHttpRequest
from forum.cache import cache_anonymous_page
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


@login_required
@require_POST
def welcome_dismiss_view(request: AuthedHttpRequest) -> HttpResponse:
    """Hide the newcomer's welcome. htmx removes it in place (an empty
    answer swaps it out); without JavaScript the form posts and comes back
    to the page it was on."""
    actions.dismiss_welcome(request.user)
    if request.htmx:
        return HttpResponse("")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    return redirect(target)
