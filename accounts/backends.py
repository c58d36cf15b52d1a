"""Authentication backends that refuse suspended members.

Both of Django's ways in (ModelBackend: the admin login, `authenticate()`)
and allauth's (the site's login form, by username or email) refuse a member
whose suspension is running. Sessions that already exist still resolve to
the member, so accounts.middleware.SuspensionMiddleware can end them with a
page that says until when, instead of silently signing them out.
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib import messages
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User


def is_suspended(user: Any) -> bool:
    """True while *user*'s suspension runs (User.is_banned also counts inactive)."""
    until = getattr(user, "suspended_until", None)
    return until is not None and until > timezone.now()


def suspension_message(until: Any) -> str:
    return _(
        "Your account is suspended until %(date)s. You can read the forum without signing in."
    ) % {"date": date_format(timezone.localtime(until), "j F Y, H:i")}


class HearthModelBackend(ModelBackend):
    """Django's backend, refusing suspended members at sign-in."""

    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and not is_suspended(user)

    def get_user(self, user_id: Any) -> User | None:
        # Only is_active here: SuspensionMiddleware ends a suspended member's
        # session itself, with an explanation.
        user = _user_with_header_counts(user_id)
        if user is None:
            return None
        return user if super().user_can_authenticate(user) else None


def _user_with_header_counts(user_id: Any) -> User | None:
    """The user's row and, in the same query, the header's unread counts
    (``hearth_unread_notifications``, ``hearth_unread_conversations``): a
    page served from the per-class cache shows them without a query of its
    own (forum/holes.py; a page whose view ran reads them again, after the
    view's changes)."""
    from conversations.queries import header_counts_columns

    try:
        pk = int(user_id)
    except (TypeError, ValueError):
        return None
    table = User._meta.db_table
    found = list(
        User.objects.raw(
            f"SELECT u.*, {header_counts_columns('u.id')} FROM {table} u WHERE u.id = %s",  # noqa: S608
            [pk],
        )
    )
    return found[0] if found else None


class HearthAuthenticationBackend(AuthenticationBackend):
    """allauth's backend (username or email), refusing suspended members.

    allauth keeps aside a user whose password matched but who may not sign
    in, to show its "account inactive" page; it would then sign in a
    suspended (still active) member. A suspended member is not kept aside,
    and the login form says until when the suspension runs.
    """

    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and not is_suspended(user)

    def get_user(self, user_id: Any) -> User | None:
        user = _user_with_header_counts(user_id)
        if user is None:
            return None
        return user if super().user_can_authenticate(user) else None

    def authenticate(
        self, request: HttpRequest | None, **credentials: Any
    ) -> User | None:
        self._suspended: User | None = None
        user = super().authenticate(request, **credentials)
        if self._suspended is not None and request is not None:
            messages.error(
                request,
                suspension_message(self._suspended.suspended_until),
                fail_silently=True,
            )
        return user

    def _check_password(self, user: Any, password: str) -> Any:
        result = super()._check_password(user, password)
        if result is None and user is not None and is_suspended(user):
            # allauth stashes only a user whose password matched.
            stashed = self._stash_user(None)
            if stashed is not None and stashed.pk == user.pk:
                self._suspended = user
            elif stashed is not None:
                self._stash_user(stashed)
        return result
