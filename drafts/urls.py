from django.urls import path

from drafts import views

app_name = "drafts"

urlpatterns = [
    path("drafts/", views.drafts_view, name="index"),
    path("drafts/save/", views.draft_save_view, name="draft_save"),
    path("drafts/load/", views.draft_load_view, name="draft_load"),
    path(
        "drafts/<int:draft_id>/discard/",
        views.draft_discard_view,
        name="draft_discard",
    ),
]
