from django.urls import path

from polls import views

app_name = "polls"

urlpatterns = [
    path("polls/<int:poll_id>/vote/", views.poll_vote_view, name="poll_vote"),
    path("polls/<int:poll_id>/close/", views.poll_close_view, name="poll_close"),
    path("polls/<int:poll_id>/edit/", views.poll_edit_view, name="poll_edit"),
]
