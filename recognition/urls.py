from django.urls import path

from recognition import views

app_name = "recognition"

urlpatterns = [
    path("u/", views.directory_view, name="directory"),
    path("p/<int:post_id>/confirm/", views.confirm_view, name="confirm"),
    path("confirmations/", views.confirmations_view, name="confirmations"),
]
