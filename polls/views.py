"""Thin views for polls: vote, close, edit (README "Polls").

Voting is a plain form post answered by a redirect to the topic; with htmx
the same post answers with the poll fragment, swapped in place.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.typing import AuthedHttpRequest
from permissions import policy
from permissions.policy import Perm
from polls import actions, queries
from polls.forms import PollFieldsForm, add_poll_errors
from polls.models import Poll

FRAGMENT = "polls/_poll.html"


def _poll_or_404(request: AuthedHttpRequest, poll_id: int) -> Poll:
    poll = get_object_or_404(
        Poll.objects.select_related("topic__category__parent"), pk=poll_id
    )
    policy.require(request.user, Perm.VIEW_TOPIC, poll.topic)
    return poll


def _poll_url(poll: Poll) -> str:
    return poll.topic.get_absolute_url() + "#poll"


def _choices(request: AuthedHttpRequest) -> list[int]:
    chosen = []
    for value in request.POST.getlist("option"):
        try:
            chosen.append(int(value))
        except ValueError:
            continue
    return chosen


def _answer(
    request: AuthedHttpRequest,
    poll: Poll,
    *,
    error: str = "",
    notice: str = "",
    kept: list[int] | None = None,
) -> HttpResponse:
    if request.htmx:
        pollv = queries.poll_view(request.user, poll.topic)
        if pollv is not None and kept is not None:
            # A refused choice stays ticked, to correct rather than redo.
            for option in pollv.options:
                option.chosen = option.pk in kept
        context = {"pollv": pollv, "poll_error": error, "poll_notice": notice}
        return render(request, FRAGMENT, context)
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    return redirect(_poll_url(poll))


@login_required
@require_POST
def poll_vote_view(request: AuthedHttpRequest, poll_id: int) -> HttpResponse:
    poll = _poll_or_404(request, poll_id)
    chosen = _choices(request)
    try:
        actions.vote(request.user, poll, chosen)
    except ValidationError as exc:
        return _answer(request, poll, error=" ".join(exc.messages), kept=chosen)
    except PermissionDenied as exc:
        if not request.htmx:
            raise
        # In place, the refusal (say, the poll closed meanwhile) replaces the
        # poll with its current state and the reason; htmx swaps no 403.
        return _answer(request, poll, error=str(exc))
    return _answer(request, poll, notice=_("Your vote was recorded."))


@login_required
@require_POST
def poll_close_view(request: AuthedHttpRequest, poll_id: int) -> HttpResponse:
    poll = _poll_or_404(request, poll_id)
    actions.close_poll(request.user, poll)
    return _answer(
        request, poll, notice=_("The poll is closed; everyone sees the results.")
    )


@login_required
@require_http_methods(["GET", "POST"])
def poll_edit_view(request: AuthedHttpRequest, poll_id: int) -> HttpResponse:
    poll = _poll_or_404(request, poll_id)
    policy.require(request.user, Perm.EDIT_POLL, poll)
    has_votes = poll.votes.exists()
    options = list(poll.options.values_list("text", flat=True))
    form = PollFieldsForm(
        request.POST or None, initial=PollFieldsForm.initial_for(poll, options)
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                actions.edit_poll(request.user, poll, form.spec)
            except ValidationError as exc:
                add_poll_errors(form, exc)
                has_votes = has_votes or any(
                    error.code == "poll_has_votes" for error in exc.error_list
                )
            else:
                messages.success(request, _("The poll was updated."))
                return redirect(_poll_url(poll))
    return render(
        request,
        "polls/edit.html",
        {
            "poll": poll,
            "topic": poll.topic,
            "form": form,
            "has_votes": has_votes,
            "has_votes_message": actions.HAS_VOTES_MESSAGE,
        },
        status=status,
    )
