"""URLs reached from notification emails (the in-app pages live in notifications.urls)."""

from django.urls import path

from notifications import views_email

app_name = "notifications_email"

urlpatterns = [
    path(
        "unsubscribe/<str:token>/",
        views_email.unsubscribe_view,
        name="unsubscribe",
    ),
]
