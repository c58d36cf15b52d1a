from django.urls import path

from uploads import views

app_name = "uploads"

urlpatterns = [
    path("uploads/", views.upload_view, name="upload"),
    path("uploads/<int:upload_id>/<str:filename>", views.file_view, name="file"),
    path(
        "uploads/<int:upload_id>/small/<str:filename>",
        views.thumbnail_view,
        name="thumbnail",
    ),
]
