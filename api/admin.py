"""Outgoing webhooks are set here, and what was sent is read here, every
attempt included (like support's deliveries). API tokens are listed (never
their secrets, which are not stored); members revoke them in settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from api import actions
from api.models import (
    ApiToken,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
)
from support.admin import ReadOnlyMixin


class WebhookForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "Events in private or group categories, and hidden or removed "
            "posts, are never sent."
        ),
    )
    url = forms.URLField(max_length=500, assume_scheme="https")

    class Meta:
        model = Webhook
        fields = ("name", "url", "secret", "events", "is_active")


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ("name", "url", "event_kinds", "is_active", "created_at")

    @admin.display(description="Events")
    def event_kinds(self, hook: Webhook) -> str:
        return ", ".join(hook.events)


class WebhookAttemptInline(ReadOnlyMixin, admin.TabularInline):
    model = WebhookAttempt
    fields = ("number", "at", "status_code", "error")
    readonly_fields = fields
    extra = 0


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "kind",
        "webhook",
        "status",
        "attempts",
        "last_status_code",
        "created_at",
        "delivered_at",
    )
    list_filter = ("status", "kind", "webhook")
    fields = (
        "webhook",
        "kind",
        "event_id",
        "idempotency_key",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "created_at",
        "last_attempt_at",
        "delivered_at",
        "body",
    )
    readonly_fields = fields
    inlines = [WebhookAttemptInline]
    actions = ["send_again"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookDelivery]:
        return super().get_queryset(request).select_related("webhook")

    @admin.action(description="Send again (not delivered yet; same idempotency key)")
    def send_again(
        self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]
    ) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        queued = actions.send_again(request.user, ids)  # type: ignore[arg-type]
        messages.info(request, f"{queued} undelivered deliveries queued again.")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "name")
    fields = (
        "user",
        "name",
        "scope",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("user")
