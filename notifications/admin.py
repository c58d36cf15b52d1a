"""Read-only views of the outbox, deliveries and notifications.

Rows here are written by the fan-out and the email tasks only; the admin
shows them for diagnosis and never changes them (the staff health page at
notifications:health has the summary).
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from notifications.models import Delivery, Event, Notification


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("pk", "kind", "created_at", "dispatched_at", "attempts")
    list_filter = ("kind",)
    date_hierarchy = "created_at"
    raw_id_fields = ("actor", "topic", "post")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "event",
        "recipient",
        "channel",
        "status",
        "attempts",
        "detail",
        "updated_at",
    )
    list_filter = ("channel", "status")
    list_select_related = ("event", "recipient")
    raw_id_fields = ("event", "recipient", "notification")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("pk", "recipient", "kind", "text", "created_at", "read_at")
    list_filter = ("kind",)
    list_select_related = ("recipient",)
    raw_id_fields = ("recipient", "event", "actor", "topic", "post")
