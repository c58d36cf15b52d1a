"""Signed appeal links, sent in the email that tells a member about an action.

They let a member appeal without signing in — the only way a suspended
member (who cannot sign in) can appeal their suspension. A link names one
action and one member, and expires with the appeal window.

The token is a pure function of the action: it signs the action and the
member and nothing else (no signing time). The window runs from the action,
as the policy's own check does, so the link is the same whenever it is made
(in the email, on a page, in a test) and expires exactly when appealing
stops being possible. Links signed with a timestamp by earlier versions are
still read, with their old expiry.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from moderation.models import ModerationAction
from permissions.policy import APPEAL_WINDOW

SALT = "hearth.appeal"


class AppealLinkError(Exception):
    """The link is broken, expired, or no longer matches an action."""


def make_appeal_token(action: ModerationAction) -> str:
    return signing.Signer(salt=SALT).sign_object(
        {"a": action.pk, "u": action.target_user_id}, compress=False
    )


def appeal_path(action: ModerationAction) -> str:
    return reverse("moderation:appeal_by_link", args=[make_appeal_token(action)])


def _load(token: str) -> Any:
    if token.count(":") != 2:  # payload:signature, or payload:time:signature
        try:
            return signing.Signer(salt=SALT).unsign_object(token)
        except (signing.BadSignature, ValueError):
            raise AppealLinkError(_("This appeal link is not valid.")) from None
    # A link from before the token stopped carrying its signing time.
    try:
        return signing.loads(
            token, salt=SALT, max_age=int(APPEAL_WINDOW.total_seconds())
        )
    except signing.SignatureExpired:
        raise AppealLinkError(_("This appeal link has expired.")) from None
    except (signing.BadSignature, ValueError):
        raise AppealLinkError(_("This appeal link is not valid.")) from None


def read_appeal_token(token: str) -> tuple[User, ModerationAction]:
    data = _load(token)
    action_id = data.get("a") if isinstance(data, dict) else None
    user_id = data.get("u") if isinstance(data, dict) else None
    if not isinstance(action_id, int) or not isinstance(user_id, int):
        raise AppealLinkError(_("This appeal link is not valid."))
    action = (
        ModerationAction.objects.select_related("appeal", "topic", "post", "category")
        .filter(pk=action_id, target_user_id=user_id)
        .first()
    )
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if action is None or user is None:
        raise AppealLinkError(_("This appeal link no longer matches an action."))
    if timezone.now() - action.created_at > APPEAL_WINDOW:
        raise AppealLinkError(_("This appeal link has expired."))
    return user, action
