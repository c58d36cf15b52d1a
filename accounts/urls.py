from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("u/<str:username>/", views.profile_view, name="profile"),
    path("settings/", views.settings_view, name="settings"),
]
