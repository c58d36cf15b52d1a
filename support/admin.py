"""Support desks are set here; tickets and deliveries are read here.

Escalations are made on the site (support.actions), where the rules are;
the admin only configures each brand's desk and shows what was sent, with
every attempt, so an administrator can answer "did the desk get it?"."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from support import actions
from support.models import (
    Delivery,
    DeliveryAttempt,
    StatusUpdate,
    SupportDesk,
    Ticket,
)


@admin.register(SupportDesk)
class SupportDeskAdmin(admin.ModelAdmin):
    list_display = ("brand", "display_name", "email", "webhook_url", "has_secret")
    fields = ("brand", "name", "email", "webhook_url", "webhook_secret", "updated_at")
    readonly_fields = ("updated_at",)
    # A webhook URL typed without a scheme is taken as https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(boolean=True, description="Secret set")
    def has_secret(self, desk: SupportDesk) -> bool:
        return bool(desk.webhook_secret)


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class DeliveryAttemptInline(ReadOnlyMixin, admin.TabularInline):
    model = DeliveryAttempt
    fields = ("number", "at", "status_code", "error")
    readonly_fields = fields
    extra = 0


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "ticket",
        "channel",
        "status",
        "attempts",
        "last_status_code",
        "last_attempt_at",
        "delivered_at",
    )
    list_filter = ("status", "channel")
    search_fields = ("ticket__escalation__reference", "target")
    fields = (
        "ticket",
        "channel",
        "target",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "created_at",
        "last_attempt_at",
        "delivered_at",
    )
    readonly_fields = fields
    inlines = [DeliveryAttemptInline]
    actions = ["send_again"]

    @admin.action(description="Send again (not delivered yet; same idempotency key)")
    def send_again(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        queued = actions.send_again(request.user, ids)  # type: ignore[arg-type]
        messages.info(request, f"{queued} undelivered deliveries queued again.")


class StatusUpdateInline(ReadOnlyMixin, admin.TabularInline):
    model = StatusUpdate
    fields = ("status", "event_id", "sent_at", "received_at")
    readonly_fields = fields
    extra = 0


@admin.register(Ticket)
class TicketAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "escalation",
        "backend",
        "status",
        "created_at",
        "status_changed_at",
    )
    list_filter = ("status", "backend")
    search_fields = ("escalation__reference", "desk_ticket_id")
    fields = (
        "escalation",
        "backend",
        "idempotency_key",
        "status",
        "desk_ticket_id",
        "created_at",
        "status_changed_at",
    )
    readonly_fields = fields
    inlines = [StatusUpdateInline]
