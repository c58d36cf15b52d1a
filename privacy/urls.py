from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("settings/data/", views.data_view, name="data"),
    path("settings/data/export/", views.export_request_view, name="export_request"),
    path(
        "settings/data/download/<str:token>/",
        views.export_download_view,
        name="export_download",
    ),
    path("settings/delete-account/", views.delete_account_view, name="delete_account"),
    path(
        "settings/delete-account/email/",
        views.delete_account_email_view,
        name="delete_account_email",
    ),
    path(
        "settings/delete-account/confirm/<str:token>/",
        views.delete_account_confirm_view,
        name="delete_account_confirm",
    ),
]
