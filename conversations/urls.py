from django.urls import path

from conversations import views

app_name = "conversations"

urlpatterns = [
    path("messages/", views.inbox_view, name="inbox"),
    path("messages/new/", views.conversation_start_view, name="conversation_start"),
    path(
        "messages/<int:conversation_id>/",
        views.conversation_view,
        name="conversation",
    ),
    path(
        "messages/<int:conversation_id>/mute/",
        views.conversation_mute_view,
        name="conversation_mute",
    ),
    path(
        "messages/<int:conversation_id>/leave/",
        views.conversation_leave_view,
        name="conversation_leave",
    ),
    path(
        "messages/m/<int:message_id>/delete/",
        views.message_delete_view,
        name="message_delete",
    ),
    path(
        "messages/m/<int:message_id>/report/",
        views.message_report_view,
        name="message_report",
    ),
    path("messages/reports/", views.message_reports_view, name="message_reports"),
    path(
        "messages/reports/<int:report_id>/resolve/",
        views.message_report_resolve_view,
        name="message_report_resolve",
    ),
    path(
        "messages/ignore/<str:username>/",
        views.member_ignore_view,
        name="member_ignore",
    ),
]
