"""The member's API tokens in their settings (issue 24). The API itself is
api.endpoints."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.typing import AuthedHttpRequest
from api import actions, queries
from api.forms import TokenForm
from permissions import policy
from permissions.policy import Perm


@login_required
@require_http_methods(["GET", "POST"])
def tokens_view(request: AuthedHttpRequest) -> HttpResponse:
    """List the member's tokens; create one (its secret is shown on the
    answer to that POST, once, and never again)."""
    policy.require(request.user, Perm.MANAGE_API_TOKENS, None)
    form = TokenForm(request.POST or None)
    secret = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                token, secret = actions.create_token(
                    request.user, name=form.cleaned_data["name"]
                )
            except ValidationError as error:
                form.add_error("name", error)
                status = 400
            else:
                form = TokenForm()
                messages.success(
                    request,
                    _("Token “%(name)s” created. Copy it now: it won't be shown again.")
                    % {"name": token.name},
                )
        else:
            status = 400
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": queries.tokens_of(request.user), "secret": secret},
        status=status,
    )


@login_required
@require_POST
def token_revoke_view(request: AuthedHttpRequest, token_id: int) -> HttpResponse:
    try:
        actions.revoke_token(request.user, token_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The token was revoked; it no longer works."))
    return redirect("api_tokens:tokens")
