from django.urls import path

from accounts import views
from config import converters  # noqa: F401  (registers "username")

app_name = "accounts"

urlpatterns = [
    path("u/<username:username>/", views.profile_view, name="profile"),
    path("settings/", views.settings_view, name="settings"),
    path("mentions/", views.mention_suggestions_view, name="mention_suggestions"),
]
