from django.urls import path

from permissions import views

app_name = "permissions"

urlpatterns = [
    path("how-it-works/", views.how_it_works_view, name="how_it_works"),
    path("roster/", views.roster_view, name="roster"),
]
