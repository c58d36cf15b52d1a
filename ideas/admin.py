"""Naming decision owners: through ideas.actions (the policy, the
validation that refuses volunteer moderators), never by writing rows."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from ideas import actions
from ideas.models import DecisionOwner, IdeaDecision
from permissions import policy
from permissions.policy import Perm


class DecisionOwnerForm(forms.ModelForm):
    class Meta:
        model = DecisionOwner
        fields = ["brand", "user", "category"]


@admin.register(DecisionOwner)
class DecisionOwnerAdmin(admin.ModelAdmin):
    form = DecisionOwnerForm
    list_display = ("user", "brand", "category", "created_at")
    list_filter = ("brand",)
    autocomplete_fields = ("user",)
    actions = ["remove_owners"]

    # Who may name owners is the policy's question (NAME_DECISION_OWNER), not
    # Django's model permissions. Rows are added or removed, never edited.
    def _may(self, request: HttpRequest) -> bool:
        return policy.can(request.user, Perm.NAME_DECISION_OWNER, None)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: DecisionOwner, form: Any, change: bool
    ) -> None:
        try:
            owner = actions.name_decision_owner(
                request.user,  # type: ignore[arg-type]
                obj.user,
                obj.brand,
                obj.category,
            )
        except ValidationError as exc:
            # The admin's form validated already (see get_form); keep a message.
            messages.error(request, " ".join(exc.messages))
            return
        obj.pk = owner.pk

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        base = super().get_form(request, obj, change=change, **kwargs)

        class CheckedForm(base):  # type: ignore[misc, valid-type]
            def clean(self) -> dict[str, Any]:
                data = super().clean()
                user, brand = data.get("user"), data.get("brand")
                if user is not None and brand is not None:
                    try:
                        actions.check_decision_owner(user, brand, data.get("category"))
                    except ValidationError as exc:
                        raise forms.ValidationError(exc.messages) from exc
                return data

        return CheckedForm

    def delete_model(self, request: HttpRequest, obj: DecisionOwner) -> None:
        actions.remove_decision_owner(request.user, obj)  # type: ignore[arg-type]

    def delete_queryset(
        self, request: HttpRequest, queryset: QuerySet[DecisionOwner]
    ) -> None:
        for owner in queryset:
            actions.remove_decision_owner(request.user, owner)  # type: ignore[arg-type]

    @admin.action(description="Remove the selected decision owners")
    def remove_owners(
        self, request: HttpRequest, queryset: QuerySet[DecisionOwner]
    ) -> None:
        self.delete_queryset(request, queryset)


@admin.register(IdeaDecision)
class IdeaDecisionAdmin(admin.ModelAdmin):
    """Read-only: decisions are public records written by ideas.actions.decide."""

    list_display = ("topic", "status", "owner_name", "brand_label", "created_at")
    list_filter = ("status",)
    readonly_fields = [field.name for field in IdeaDecision._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
