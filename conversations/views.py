"""Thin views for private conversations (README "Private conversations").

Each view finds the object (404 when the viewer is not in the conversation:
administrators and moderators included), asks the policy, calls one action
and redirects; refused input comes back on the same page with the person's
text and a message.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from accounts.typing import AuthedHttpRequest
from conversations import actions, queries
from conversations.models import Conversation, Message, MessageReport
from moderation.models import ModerationAction
from permissions import policy
from permissions.policy import Perm


def _conversation_or_404(
    request: AuthedHttpRequest, conversation_id: int
) -> Conversation:
    conversation = queries.conversation_or_none(conversation_id)
    if conversation is None:
        raise Http404
    policy.require(request.user, Perm.VIEW_CONVERSATION, conversation)
    return conversation


def _message_or_404(request: AuthedHttpRequest, message_id: int) -> Message:
    message = queries.message_or_none(message_id)
    if message is None:
        raise Http404
    policy.require(request.user, Perm.VIEW_CONVERSATION, message.conversation)
    return message


def _errors(exc: ValidationError) -> list[str]:
    return [str(message) for message in exc.messages]


@login_required
@require_GET
def inbox_view(request: AuthedHttpRequest) -> HttpResponse:
    """/messages/: the conversations the member is in."""
    return render(
        request,
        "conversations/inbox.html",
        {
            "rows": queries.inbox(request.user),
            "ignored": queries.ignored_members(request.user),
        },
    )


def _recipients(text: str) -> tuple[list[User], list[str]]:
    names = [name.lstrip("@") for name in re.split(r"[\s,]+", text) if name.strip()]
    found = {
        user.username.lower(): user
        for user in User.objects.filter(username__in=names, is_active=True)
    }
    missing = [name for name in names if name.lower() not in found]
    return list(found.values()), missing


@login_required
@require_http_methods(["GET", "POST"])
def conversation_start_view(request: AuthedHttpRequest) -> HttpResponse:
    """/messages/new/?to=<username>[&about=<moderation action id>]."""
    source = request.POST if request.method == "POST" else request.GET
    form = {
        "to": source.get("to", ""),
        "subject": source.get("subject", ""),
        "body": source.get("body", ""),
        "about": source.get("about", ""),
    }
    about = None
    if form["about"].isdigit():
        about = ModerationAction.objects.filter(pk=int(form["about"])).first()
        if about is not None:
            policy.require(request.user, Perm.WRITE_ABOUT_ACTION, about)
    errors: list[str] = []
    if request.method == "POST":
        recipients, missing = _recipients(form["to"])
        if missing:
            errors.append(
                _("Nobody here is called %(names)s.")
                % {"names": ", ".join(f"@{name}" for name in missing)}
            )
        else:
            try:
                conversation = actions.start_conversation(
                    request.user,
                    recipients,
                    subject=form["subject"],
                    body=form["body"],
                    about=about,
                )
            except ValidationError as exc:
                errors = _errors(exc)
            except PermissionDenied as exc:
                errors = [str(exc) or _("You can't write to this member.")]
            else:
                return redirect(conversation.get_absolute_url())
    return render(
        request,
        "conversations/start.html",
        {"form": form, "errors": errors, "about": about},
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def conversation_view(request: AuthedHttpRequest, conversation_id: int) -> HttpResponse:
    """/messages/<id>/: the participants read it; POST replies."""
    conversation = _conversation_or_404(request, conversation_id)
    body = ""
    errors: list[str] = []
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            message = actions.send_message(request.user, conversation, body=body)
        except ValidationError as exc:
            errors = _errors(exc)
        except PermissionDenied as exc:
            errors = [str(exc)]
        else:
            return redirect(f"{conversation.get_absolute_url()}#message-{message.pk}")
    page = queries.conversation_page(request.user, conversation)
    if request.method == "GET":
        actions.mark_conversation_read(request.user, conversation)
    return render(
        request,
        "conversations/conversation.html",
        {
            "page": page,
            "body": body,
            "errors": errors,
            "can_reply": policy.check(
                request.user, Perm.REPLY_CONVERSATION, conversation
            ),
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def conversation_mute_view(
    request: AuthedHttpRequest, conversation_id: int
) -> HttpResponse:
    conversation = _conversation_or_404(request, conversation_id)
    muted = request.POST.get("muted") == "on"
    actions.set_conversation_muted(request.user, conversation, muted=muted)
    messages.success(
        request,
        _("Muted: you won't be notified of new messages here.")
        if muted
        else _("You will be notified of new messages here again."),
    )
    return redirect(conversation.get_absolute_url())


@login_required
@require_POST
def conversation_leave_view(
    request: AuthedHttpRequest, conversation_id: int
) -> HttpResponse:
    conversation = _conversation_or_404(request, conversation_id)
    actions.leave_conversation(request.user, conversation)
    messages.success(request, _("You left the conversation."))
    return redirect("conversations:inbox")


@login_required
@require_POST
def message_delete_view(request: AuthedHttpRequest, message_id: int) -> HttpResponse:
    message = _message_or_404(request, message_id)
    actions.delete_message(request.user, message)
    return redirect(message.conversation.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def message_report_view(request: AuthedHttpRequest, message_id: int) -> HttpResponse:
    """Report one message: the administrators see it, and only it."""
    message = _message_or_404(request, message_id)
    policy.require(request.user, Perm.REPORT_MESSAGE, message)
    reason = ""
    errors: list[str] = []
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            actions.report_message(request.user, message, reason=reason)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(
                request, _("Reported. The administrators will see this message.")
            )
            return redirect(message.conversation.get_absolute_url())
    return render(
        request,
        "conversations/report.html",
        {"message": message, "reason": reason, "errors": errors},
        status=400 if errors else 200,
    )


@login_required
@require_GET
def message_reports_view(request: AuthedHttpRequest) -> HttpResponse:
    """/messages/reports/: the administrators' queue of reported messages."""
    policy.require(request.user, Perm.VIEW_MESSAGE_REPORTS, None)
    return render(
        request, "conversations/reports.html", {"reports": queries.report_queue()}
    )


@login_required
@require_POST
def message_report_resolve_view(
    request: AuthedHttpRequest, report_id: int
) -> HttpResponse:
    policy.require(request.user, Perm.VIEW_MESSAGE_REPORTS, None)
    report: MessageReport | None = queries.report_or_none(report_id)
    if report is None:
        raise Http404
    actions.resolve_message_report(request.user, report)
    return redirect("conversations:reports")


@login_required
@require_POST
def member_ignore_view(request: AuthedHttpRequest, username: str) -> HttpResponse:
    """Ignore (ignore=on) or stop ignoring a member."""
    target = get_object_or_404(User, username=username, is_active=True)
    ignore = request.POST.get("ignore") == "on"
    try:
        actions.ignore_member(request.user, target, ignore=ignore)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("You ignore %(name)s: their messages and mentions won't reach you.")
            % {"name": target.name}
            if ignore
            else _("You no longer ignore %(name)s.") % {"name": target.name},
        )
    return redirect(target.get_absolute_url())
