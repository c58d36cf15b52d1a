from django.urls import path

from health import views

app_name = "health"

urlpatterns = [
    path("community/health/", views.health_view, name="index"),
    path("community/health/<slug:table>.csv", views.health_csv_view, name="csv"),
]
