from __future__ import annotations

from django.contrib.auth import get_user_model, login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import include, path
from django.utils.http import url_has_allowed_host_and_scheme


def sign_in(request: HttpRequest) -> HttpResponse:
    """The provider's own sign-in, reduced to what a test needs: the person
    named in ?username= is signed in at the provider, then sent on."""
    user = get_user_model().objects.get(username=request.GET["username"])
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = "/"
    return HttpResponseRedirect(target)


urlpatterns = [
    path("sign-in/", sign_in),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
