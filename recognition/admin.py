from django.contrib import admin
from django.http import HttpRequest

from recognition.models import Award, ConfirmationEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """Awards are computed from the facts (recognition.actions) and the
    confirmation record is written by its actions: the admin only reads."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Award)
class AwardAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "category", "month", "earned_at"]
    list_filter = ["kind"]
    search_fields = ["user__username"]


@admin.register(ConfirmationEntry)
class ConfirmationEntryAdmin(ReadOnlyAdmin):
    list_display = ["kind", "brand", "actor_name", "post", "created_at"]
