from django.urls import re_path

from images import views

app_name = "images"

urlpatterns = [
    re_path(
        r"^images/(?P<digest>[0-9a-f]{64})\.(?P<extension>jpg|png|gif|webp)$",
        views.image_view,
        name="image",
    ),
]
