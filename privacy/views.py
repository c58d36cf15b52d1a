"""Your data: the settings page, the archive's download, account deletion."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts.typing import AuthedHttpRequest
from permissions import policy
from permissions.policy import Perm
from privacy import actions, links, queries
from privacy.forms import DELETE, DeleteAccountForm
from uploads.storage import upload_storage


@login_required
@require_safe
def data_view(request: AuthedHttpRequest) -> HttpResponse:
    policy.require(request.user, Perm.REQUEST_DATA_EXPORT, None)
    return render(
        request,
        "privacy/data/index.html",
        {"page": queries.data_page(request.user)},
    )


@login_required
@require_POST
def export_request_view(request: AuthedHttpRequest) -> HttpResponse:
    try:
        actions.request_data_export(request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("privacy:data")
    messages.success(
        request,
        _(
            "We are preparing your archive. You will get an email and a "
            "notification with the link when it is ready."
        ),
    )
    return redirect("privacy:data")


@login_required
@require_safe
def export_download_view(request: AuthedHttpRequest, token: str) -> FileResponse:
    export = queries.download_data_export(request.user, token)
    try:
        stored = upload_storage().open(export.storage_name, "rb")
    except OSError:
        raise Http404("This archive has expired.") from None
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=f"hearth-data-{export.requested_at:%Y-%m-%d}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _delete_page(request: AuthedHttpRequest, *, token: str = "") -> HttpResponse:
    user = request.user
    with_password = user.has_usable_password()
    form = DeleteAccountForm(
        request.POST if request.method == "POST" else None,
        user=user,
        with_password=with_password,
    )
    may_delete = with_password or (
        token and links.read_delete_token(token, user.pk, user.password)
    )
    if token and not may_delete:
        messages.error(
            request,
            _("That confirmation link has expired or is not valid. Ask for a new one."),
        )
        return redirect("privacy:delete_account")
    if request.method == "POST" and may_delete and form.is_valid():
        keep = form.cleaned_data["posts"] != DELETE
        user_id = user.pk
        actions.delete_account(user, keep_posts=keep)
        logout(request)
        messages.success(
            request,
            _(
                "Your account is deleted and your personal data erased. What "
                "stays of your posts shows as “%(name)s”."
            )
            % {"name": actions.anonymous_name(user_id)},
        )
        return redirect("/")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "privacy/delete_account/index.html",
        {
            "form": form,
            "with_password": with_password,
            "token": token,
            "may_delete": may_delete,
            "anonymous_name": actions.anonymous_name(user.pk),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete_account_view(request: AuthedHttpRequest) -> HttpResponse:
    policy.require(request.user, Perm.DELETE_ACCOUNT, request.user)
    return _delete_page(request)


@login_required
@require_POST
def delete_account_email_view(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    token = links.delete_token(user.pk, user.password)
    url = request.build_absolute_uri(
        reverse("privacy:delete_account_confirm", args=[token])
    )
    try:
        actions.send_deletion_link(user, confirm_url=url)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("privacy:delete_account")
    messages.success(
        request,
        _("We sent a confirmation link to %(email)s.") % {"email": user.email},
    )
    return redirect("privacy:delete_account")


@login_required
@require_http_methods(["GET", "POST"])
def delete_account_confirm_view(request: AuthedHttpRequest, token: str) -> HttpResponse:
    policy.require(request.user, Perm.DELETE_ACCOUNT, request.user)
    return _delete_page(request, token=token)
