"""Signed appeal links, sent in the email that tells a member about an action.

They let a member appeal without signing in — the only way a suspended
member (who cannot sign in) can appeal their suspension. A link names one
action and one member, and expires with the appeal window.
"""

from __future__ import annotations

from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from moderation.models import ModerationAction
from permissions.policy import APPEAL_WINDOW

SALT = "hearth.appeal"


class AppealLinkError(Exception):
    """The link is broken, expired, or no longer matches an action."""


def make_appeal_token(action: ModerationAction) -> str:
    return signing.dumps({"a": action.pk, "u": action.target_user_id}, salt=SALT)


def appeal_path(action: ModerationAction) -> str:
    return reverse("moderation:appeal_by_link", args=[make_appeal_token(action)])


def read_appeal_token(token: str) -> tuple[User, ModerationAction]:
    try:
        data = signing.loads(
            token, salt=SALT, max_age=int(APPEAL_WINDOW.total_seconds())
        )
    except signing.SignatureExpired:
        raise AppealLinkError(_("This appeal link has expired.")) from None
    except signing.BadSignature:
        raise AppealLinkError(_("This appeal link is not valid.")) from None
    action = (
        ModerationAction.objects.select_related("appeal", "topic", "post", "category")
        .filter(pk=data.get("a"), target_user_id=data.get("u"))
        .first()
    )
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if action is None or user is None:
        raise AppealLinkError(_("This appeal link no longer matches an action."))
    return user, action
