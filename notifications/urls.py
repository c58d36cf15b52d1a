from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.list_view, name="list"),
    path("notifications/bell/", views.bell_view, name="bell"),
    path("notifications/read/", views.mark_all_read_view, name="mark_all_read"),
    path("notifications/<int:pk>/open/", views.open_view, name="open"),
    path("notifications/<int:pk>/read/", views.mark_read_view, name="mark_read"),
    path("t/<int:topic_id>/watch/", views.watch_topic_view, name="watch_topic"),
    path("c/<slug:slug>/watch/", views.watch_category_view, name="watch_category"),
    path("settings/notifications/", views.preferences_view, name="preferences"),
    path("staff/notifications/", views.health_view, name="health"),
]
