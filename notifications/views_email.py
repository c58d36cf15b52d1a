"""Pages reached from notification emails: one-click unsubscribe.

No sign-in: the signed token in the link is the authentication
(notifications.unsubscribe). GET only shows a confirmation button, because
mail scanners follow links; POST changes the preference (RFC 8058).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.models import User
from notifications.emails import NOTIFICATION_SETTINGS_PATH
from notifications.unsubscribe import (
    ALL,
    BadToken,
    kind_label,
    read_token,
    unsubscribe,
)

TEMPLATE = "notifications/unsubscribe/index.html"


# Mail providers POST List-Unsubscribe=One-Click without cookies, so there is
# no CSRF token to check; a forged request would need the signed token anyway.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    invalid = {"state": "invalid", "settings_url": NOTIFICATION_SETTINGS_PATH}
    try:
        wanted = read_token(token)
    except BadToken:
        return render(request, TEMPLATE, invalid, status=400)
    user = User.objects.filter(pk=wanted.user_id).first()
    if user is None:  # the account was deleted since the email was sent
        return render(request, TEMPLATE, invalid, status=400)

    context = {
        "token": token,
        "username": user.username,
        "all": wanted.kind == ALL,
        "kind_label": kind_label(wanted.kind),
        "settings_url": NOTIFICATION_SETTINGS_PATH,
    }
    if request.method == "POST":
        unsubscribe(user, wanted.kind)
        return render(request, TEMPLATE, {**context, "state": "done"})
    return render(request, TEMPLATE, {**context, "state": "confirm"})
