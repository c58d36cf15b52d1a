from django.urls import path

from accounts import views
from config import converters  # noqa: F401  (registers "username")

app_name = "accounts"

urlpatterns = [
    path("u/<username:username>/", views.profile_view, name="profile"),
    path("settings/", views.settings_view, name="settings"),
    path("welcome/dismiss/", views.welcome_dismiss_view, name="welcome_dismiss"),
    # Invitations (issue 23)
    path("invite/", views.invitations_view, name="invitations"),
    path("invite/<str:code>/", views.invitation_view, name="invitation"),
    path("mentions/", views.mention_suggestions_view, name="mention_suggestions"),
]
