"""Who an API request reads as, and how often it may ask (issue 24).

No ``Authorization`` header: an anonymous visitor, rate-limited per IP
address. ``Authorization: Bearer <token>``: the token's owner, rate-limited
per token. A revoked or unknown token, or the token of a suspended or
closed account, is refused with 401 (never quietly read as a visitor, which
would hide the mistake). The session cookie is not used: the API reads as
its token says, so a page open in the same browser changes nothing.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from accounts.models import User
from api import actions, queries, tokens
from config import ratelimit


class TokenRefused(Exception):
    """401: the token is unknown, revoked or belongs to a suspended account."""


class RateLimited(Exception):
    """429: the allowance for this minute is spent."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def _limit(key: str, limit: int) -> None:
    hit = ratelimit.hit(key, limit)
    if not hit.allowed:
        raise RateLimited(hit.retry_after)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer hth_…``: reads as the token's owner."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = queries.token_by_hash(tokens.hash_secret(token.strip()))
        if found is None or found.revoked_at is not None:
            raise TokenRefused("This token is unknown or was revoked.")
        owner = found.user
        if owner.is_banned:
            raise TokenRefused(
                "This token's account is suspended or closed: its tokens "
                "do not work meanwhile."
            )
        _limit(f"api:token:{found.pk}", settings.API_REQUESTS_PER_MINUTE)
        actions.touch_token(found, timezone.now())
        return owner


def anonymous(request: HttpRequest) -> Any:
    """No Authorization header: read as a visitor (AnonymousUser), limited
    per client address."""
    if "HTTP_AUTHORIZATION" in request.META:
        raise TokenRefused("Send the token as “Authorization: Bearer <token>”.")
    # The address allauth's own sign-in limits count (its trusted proxy
    # settings apply), so both limits agree on who a visitor is.
    try:
        address = get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        address = "unknown"
    _limit(f"api:ip:{address}", settings.API_ANONYMOUS_REQUESTS_PER_MINUTE)
    return AnonymousUser()
