from django.urls import path

from config import converters  # noqa: F401  (registers "username")
from insights import views

app_name = "insights"

urlpatterns = [
    path("brand/insights/", views.listening_report_view, name="report"),
    path("u/<username:username>/give-get/", views.give_get_view, name="give_get"),
    path(
        "community/give-get/",
        views.community_give_get_view,
        name="community_give_get",
    ),
]
