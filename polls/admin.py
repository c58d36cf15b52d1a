from django.contrib import admin
from django.http import HttpRequest

from polls.models import Poll, PollOption


class PollOptionInline(admin.TabularInline):
    model = PollOption
    fields = ("position", "text")
    readonly_fields = ("position", "text")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Poll)
class PollAdmin(admin.ModelAdmin):
    """Read-only, and without votes: who voted for what is shown to nobody,
    administrators included (docs/decisions.md, "Polls"). Polls are changed
    through the site (polls.actions), where the rules are."""

    list_display = (
        "question",
        "topic",
        "kind",
        "show_results",
        "closes_at",
        "closed_at",
    )
    list_filter = ("kind", "show_results")
    search_fields = ("question",)
    raw_id_fields = ("topic",)
    fields = (
        "topic",
        "question",
        "kind",
        "max_choices",
        "show_results",
        "closes_at",
        "closed_at",
        "created_at",
    )
    readonly_fields = fields
    inlines = [PollOptionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # A poll goes with its topic (moderation), never on its own.
        return False
