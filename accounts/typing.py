from django.http import HttpRequest

from accounts.models import User


class AuthedHttpRequest(HttpRequest):
    user: User  # type: ignore[assignment]
