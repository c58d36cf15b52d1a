"""One-click unsubscribe: signed tokens in email links, and what they change.

A token names a member and what to stop: one notification kind, or "all"
email. It is signed with SECRET_KEY (salt "hearth.unsubscribe") and never
expires, because an unsubscribe link in a months-old email must still work.
The signature is the authentication: the unsubscribe view needs no session
and no CSRF token (mail providers POST to it without cookies, RFC 8058).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.models import (
    EmailFrequency,
    KindPreference,
    NotificationKind,
    NotificationPreferences,
)

SALT = "hearth.unsubscribe"
ALL = "all"


class BadToken(ValueError):
    """The token was not made by make_token (tampered, truncated, another salt)."""


@dataclass(frozen=True)
class Unsubscription:
    """What a valid token asks for: stop *kind* (or ALL) emails to *user_id*."""

    user_id: int
    kind: str


def _valid_kind(kind: object) -> bool:
    return kind == ALL or kind in NotificationKind.values


def make_token(user: User, kind: str) -> str:
    """Return a URL-safe token that unsubscribes *user* from *kind* (or ALL)."""
    if not _valid_kind(kind):
        raise ValueError(f"Unknown notification kind {kind!r}.")
    # A plain Signer, not signing.dumps(): no timestamp, so shorter links,
    # and nothing that could ever expire.
    return signing.Signer(salt=SALT).sign_object([user.pk, str(kind)])


def read_token(token: str) -> Unsubscription:
    """Return what *token* asks for; raise BadToken for anything else."""
    try:
        value = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        raise BadToken(token) from None
    match value:
        case [int() as user_id, str() as kind] if _valid_kind(kind):
            return Unsubscription(user_id=user_id, kind=kind)
    raise BadToken(token)


def unsubscribe(user: User, kind: str) -> NotificationPreferences:
    """Stop emails of *kind* for *user*; ALL sets the email frequency to never.

    Creates the member's preferences when they have none. Idempotent: a
    mail provider's one-click POST and the member's own click may both
    arrive, and the second changes nothing. Only the email choice changes;
    notifications keep appearing in the app.
    """
    if not _valid_kind(kind):
        raise ValueError(f"Unknown notification kind {kind!r}.")
    with transaction.atomic():
        NotificationPreferences.objects.get_or_create(user=user)
        # Lock the row: per_kind is one JSON value, and a concurrent save of
        # the settings form must not undo this choice (or the other way round).
        prefs = NotificationPreferences.objects.select_for_update().get(user=user)
        if kind == ALL:
            if prefs.email_frequency != EmailFrequency.NEVER:
                prefs.email_frequency = EmailFrequency.NEVER
                prefs.save(update_fields=["email_frequency"])
        elif prefs.per_kind.get(kind) != KindPreference.OFF:
            prefs.per_kind = {**prefs.per_kind, kind: KindPreference.OFF}
            prefs.save(update_fields=["per_kind"])
    return prefs


def kind_label(kind: str) -> str:
    """What a token's kind is called on pages: the kind's label, or all email."""
    if kind == ALL:
        return _("All email from this community")
    return str(NotificationKind(kind).label)
