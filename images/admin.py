from django.contrib import admin
from django.http import HttpRequest

from images.models import RemoteImage


@admin.register(RemoteImage)
class RemoteImageAdmin(admin.ModelAdmin):
    """Read-only: rows are written by the fetch task (images.actions)."""

    list_display = (
        "url",
        "status",
        "content_type",
        "width",
        "height",
        "bytes",
        "fetched_at",
    )
    list_filter = ("status", "content_type")
    search_fields = ("url", "sha256")
    readonly_fields = [field.name for field in RemoteImage._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
