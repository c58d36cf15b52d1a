from django.urls import path

from api import views
from api.endpoints import api

app_name = "api_tokens"

urlpatterns = [
    path("settings/api-tokens/", views.tokens_view, name="tokens"),
    path(
        "settings/api-tokens/<int:token_id>/revoke/",
        views.token_revoke_view,
        name="token_revoke",
    ),
]

# The read API: its own namespace ("api"), from the ninja instance.
api_urls = [path("api/v1/", api.urls)]
