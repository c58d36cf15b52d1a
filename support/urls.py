from django.urls import path

from support import views

app_name = "support"

urlpatterns = [
    path(
        "support/callback/<slug:brand_slug>/",
        views.callback_view,
        name="desk_callback",
    ),
]
