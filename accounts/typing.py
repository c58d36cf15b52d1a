from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accounts.models import User


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's HtmxMiddleware."""

    htmx: HtmxDetails


class AuthedHttpRequest(HtmxHttpRequest):
    """A request behind login_required: request.user is a signed-in User."""

    user: User


def signed_in_user(request: HttpRequest) -> User:
    """request.user where only signed-in users get through (the admin, login_required)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user
