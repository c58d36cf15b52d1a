from django.urls import path

from exports import views

app_name = "exports"

urlpatterns = [
    path("<int:job_id>/download/", views.download_view, name="download"),
]
