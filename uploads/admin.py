from django.contrib import admin
from django.http import HttpRequest

from uploads.models import Upload


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    """Read-only: rows are written by uploads.actions."""

    list_display = (
        "filename",
        "uploader",
        "kind",
        "content_type",
        "bytes",
        "created_at",
    )
    list_filter = ("kind", "content_type")
    search_fields = ("filename", "sha256", "uploader__username")
    readonly_fields = [field.name for field in Upload._meta.fields]
    raw_id_fields = ("posts",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
