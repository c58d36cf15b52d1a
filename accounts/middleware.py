"""Record that signed-in members visit, for the trust levels; end the sessions
of suspended members."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from accounts.models import User, UserVisit

SESSION_KEY = "hearth_visit_day"
LAST_SEEN_EVERY = timedelta(minutes=5)


class VisitMiddleware:
    """Keep one UserVisit per member per day and a coarse ``last_seen_at``.

    Cheap by design: the day already recorded is remembered in the session
    and ``last_seen_at`` comes with the user row the request loads anyway,
    so after the first request of the day a page view writes nothing until
    five minutes have passed. Runs after the view, so it never changes what
    the view sees, and does nothing for anonymous requests.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is None:
            return response
        if not user.is_authenticated:
            return response
        if not user.is_active:
            return response
        record_visit(request, user)
        return response


def record_visit(request: HttpRequest, user: User) -> None:
    """Write the visit and last-seen time of *user* when they are due."""
    now = timezone.now()
    today = timezone.localdate(now)
    if request.session.get(SESSION_KEY) != today.isoformat():
        # Another session of the same member may have recorded the day.
        UserVisit.objects.bulk_create(
            [UserVisit(user=user, day=today)], ignore_conflicts=True
        )
        request.session[SESSION_KEY] = today.isoformat()
    if _seen_lately(user, now):
        return
    User.objects.filter(pk=user.pk).update(last_seen_at=now)
    user.last_seen_at = now


def _seen_lately(user: User, now: datetime) -> bool:
    if user.last_seen_at is None:
        return False
    return now - user.last_seen_at < LAST_SEEN_EVERY


SUSPENDED_SESSION_KEY = "hearth_suspended_until"


class SuspensionMiddleware:
    """End the session of a member whose suspension is running.

    Sits right after AuthenticationMiddleware. The member is signed out and
    sent to a page that says until when the suspension runs (the end date
    rides in the new, anonymous session); from there they read the forum as
    any visitor does. Anonymous requests cost nothing: no session, no query.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None:
            return self.get_response(request)
        if not user.is_authenticated:
            return self.get_response(request)
        until = user.suspended_until
        if until is None or until <= timezone.now():
            return self.get_response(request)
        return _end_suspended_session(request, until)


def _end_suspended_session(request: HttpRequest, until: datetime) -> HttpResponse:
    logout(request)
    request.session[SUSPENDED_SESSION_KEY] = until.isoformat()
    url = reverse("moderation:suspended")
    if request.headers.get("HX-Request") == "true":
        # htmx would swap the page into a fragment; make it navigate.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)
