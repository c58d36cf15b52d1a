from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import actions, mentions, queries
from accounts.forms import ProfileForm
from accounts.models import User
from accounts.typing import AuthedHttpRequest
from forum.cache import Personal, cache_page
from forum.paging import DeepPaginator
from permissions import policy
from permissions.policy import Perm
from recognition import queries as recognition_queries


def _profile_personal(request: HttpRequest, username: str) -> Personal:
    """A profile shows its own member "your profile" (no message or ignore
    buttons, and their own posts as they may read them): in the key."""
    return Personal(key=(request.user.get_username() == username,))


@require_GET
@cache_page(_profile_personal)
def profile_view(request: HttpRequest, username: str) -> HttpResponse:
    """A person and what they did, as far as the viewer may read it."""
    # A deleted account (privacy.actions.delete_account) keeps a page under
    # its anonymous name, so the links on its remaining posts lead somewhere.
    profile = get_object_or_404(
        User.objects.select_related("brand").filter(
            Q(is_active=True) | Q(erased__isnull=False)
        ),
        username=username,
    )
    done = recognition_queries.profile(request.user, profile)
    page = DeepPaginator(done.posts, recognition_queries.POSTS_PER_PAGE).get_page(
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


# --- Invitations (issue 23) ------------------------------------------------------------------


def _int(value: str, default: int) -> int:
    value = value.strip()
    return int(value) if value.isdigit() else default


@login_required
@require_http_methods(["GET", "POST"])
def invitations_view(request: AuthedHttpRequest) -> HttpResponse:
    """/invite/: make an invite link; the member's links and their uses."""
    decision = policy.check(request.user, Perm.CREATE_INVITATION, None)
    form = {
        "max_uses": request.POST.get("max_uses", "1"),
        "days": request.POST.get("days", "7"),
        "group": request.POST.get("group", ""),
    }
    errors: list[str] = []
    if request.method == "POST" and not decision:
        raise PermissionDenied(decision.reason)
    if request.method == "POST":
        group = None
        if form["group"].strip():
            group = queries.group_by_slug(form["group"].strip())
            if group is None:
                errors.append(
                    _("No group that takes members by invitation has that name.")
                )
        if not errors:
            try:
                invitation = actions.create_invitation(
                    request.user,
                    max_uses=_int(form["max_uses"], 0),
                    days=_int(form["days"], 0),
                    group=group,
                )
            except ValidationError as exc:
                errors = [str(message) for message in exc.messages]
            except PermissionDenied as exc:
                errors = [str(exc)]
            else:
                messages.success(
                    request,
                    _("Your invite link: %(url)s")
                    % {
                        "url": request.build_absolute_uri(invitation.get_absolute_url())
                    },
                )
                return redirect("accounts:invitations")
    return render(
        request,
        "accounts/invitations/index.html",
        {
            "decision": decision,
            "form": form,
            "errors": errors,
            "invitations": queries.invitations_by(request.user),
            "now": timezone.now(),
        },
        status=400 if errors else 200,
    )


@require_GET
def invitation_view(request: HttpRequest, code: str) -> HttpResponse:
    """/invite/<code>/: who invites you; sign up from here (the email address
    is verified as for everyone)."""
    invitation = queries.invitation_or_none(code)
    if invitation is None:
        raise Http404
    problem = actions.invitation_problem(invitation, timezone.now())
    if not problem:
        request.session[actions.INVITATION_SESSION_KEY] = invitation.code
    return render(
        request,
        "accounts/invitations/landing.html",
        {"invitation": invitation, "problem": problem},
        status=410 if problem else 200,
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
