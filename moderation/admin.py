from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts import actions
from accounts.typing import signed_in_user
from moderation.models import AuditEntry, ModeratorAssignment, Rule


class ModeratorAssignmentForm(forms.ModelForm):
    class Meta:
        model = ModeratorAssignment
        fields = ("user", "category")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        user = data.get("user")
        if user is not None:
            try:
                actions.ensure_can_moderate(user)
            except ValidationError as exc:
                self.add_error("user", exc)
        return data


@admin.register(ModeratorAssignment)
class ModeratorAssignmentAdmin(admin.ModelAdmin):
    """Assignments go through accounts.actions so each one is audited."""

    form = ModeratorAssignmentForm
    list_display = ("user", "category", "assigned_by", "created_at")
    list_filter = ("category",)
    autocomplete_fields = ("user",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # unassign and assign again instead

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        assignment = actions.assign_moderator(
            signed_in_user(request), obj.user, obj.category
        )
        obj.pk = assignment.pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        actions.unassign_moderator(signed_in_user(request), obj.user, obj.category)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for assignment in queryset.select_related("user", "category"):
            actions.unassign_moderator(
                signed_in_user(request), assignment.user, assignment.category
            )


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "is_active")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is written by actions and never edited."""

    list_display = (
        "created_at",
        "actor_name",
        "verb",
        "target_type",
        "target_id",
        "reason",
    )
    list_filter = ("verb",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
