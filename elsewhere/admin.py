"""Listing communities that asked to be listed, and the highlights switch:
through elsewhere.actions (the policy, the opt-in record), never by writing
rows. The list shows each source's fetch health for administrators."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from elsewhere import actions
from elsewhere.models import HighlightsFeed, Source
from permissions import policy
from permissions.policy import Perm

SOURCE_FIELDS = [
    "name",
    "site_url",
    "feed_url",
    "description",
    "contact_email",
    "categories",
    "fetch_interval_minutes",
]
OPT_IN_FIELDS = ["requested_by", "requested_at", "request_note", "request_link"]
FETCH_FIELDS = [
    "status",
    "withdrawn_at",
    "approved_by",
    "approved_at",
    "last_fetched_at",
    "last_success_at",
    "failure_count",
    "last_error",
    "next_fetch_at",
]


class _PolicyAdmin(admin.ModelAdmin):
    # Who may is the policy's question (MANAGE_ELSEWHERE), not Django's
    # model permissions.
    def _may(self, request: HttpRequest) -> bool:
        return policy.can(request.user, Perm.MANAGE_ELSEWHERE, None)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A source is withdrawn by its owner, never deleted: its opt-in
        # record stays public.
        return False


@admin.register(Source)
class SourceAdmin(_PolicyAdmin):
    list_display = (
        "name",
        "status",
        "requested_at",
        "last_success_at",
        "failure_count",
        "last_error",
        "next_fetch_at",
    )
    list_filter = ("status",)
    search_fields = ("name", "site_url", "feed_url")
    filter_horizontal = ("categories",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["send_withdrawal_links"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return SOURCE_FIELDS + OPT_IN_FIELDS
        return SOURCE_FIELDS + OPT_IN_FIELDS + FETCH_FIELDS

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        if not obj.is_active:
            return SOURCE_FIELDS + OPT_IN_FIELDS + FETCH_FIELDS
        return OPT_IN_FIELDS + FETCH_FIELDS

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        base = super().get_form(request, obj, change=change, **kwargs)

        class CheckedForm(base):  # type: ignore[misc, valid-type]
            def clean(self) -> dict[str, Any]:
                data: dict[str, Any] = super().clean()
                try:
                    if "name" in self.fields:
                        actions.clean_source(
                            name=data.get("name", ""),
                            site_url=data.get("site_url", ""),
                            feed_url=data.get("feed_url", ""),
                            contact_email=data.get("contact_email", ""),
                            fetch_interval_minutes=data.get("fetch_interval_minutes")
                            or 0,
                        )
                    if "requested_by" in self.fields:
                        actions.clean_opt_in(
                            requested_by=data.get("requested_by", ""),
                            requested_at=data.get("requested_at"),
                            request_note=data.get("request_note", ""),
                            request_link=data.get("request_link", ""),
                            now=timezone.now(),
                        )
                except ValidationError as exc:
                    for field, errors in exc.message_dict.items():
                        if field in self.fields:
                            self.add_error(field, errors)
                        else:
                            self.add_error(None, errors)
                return data

        return CheckedForm

    def save_model(
        self, request: HttpRequest, obj: Source, form: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        actor: Any = request.user
        try:
            if change:
                actions.update_source(
                    actor,
                    obj,
                    name=data["name"],
                    site_url=data["site_url"],
                    feed_url=data["feed_url"],
                    contact_email=data["contact_email"],
                    description=data.get("description", ""),
                    categories=data.get("categories") or [],
                    fetch_interval_minutes=data["fetch_interval_minutes"],
                )
            else:
                source = actions.register_source(
                    actor,
                    name=data["name"],
                    site_url=data["site_url"],
                    feed_url=data["feed_url"],
                    contact_email=data["contact_email"],
                    description=data.get("description", ""),
                    categories=data.get("categories") or [],
                    fetch_interval_minutes=data["fetch_interval_minutes"],
                    requested_by=data["requested_by"],
                    requested_at=data["requested_at"],
                    request_note=data["request_note"],
                    request_link=data["request_link"],
                )
                obj.pk = source.pk
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))

    def save_related(
        self, request: HttpRequest, form: Any, formsets: Any, change: bool
    ) -> None:
        # The action set the categories already.
        pass

    @admin.action(description="Send a new withdrawal link to the selected communities")
    def send_withdrawal_links(
        self, request: HttpRequest, queryset: QuerySet[Source]
    ) -> None:
        sent = 0
        for source in queryset.filter(status=Source.Status.ACTIVE):
            actions.send_withdrawal_link(request.user, source)  # type: ignore[arg-type]
            sent += 1
        messages.success(request, f"{sent} withdrawal link(s) sent.")


class HighlightsFeedForm(forms.ModelForm):
    class Meta:
        model = HighlightsFeed
        fields = ["enabled"]


@admin.register(HighlightsFeed)
class HighlightsFeedAdmin(_PolicyAdmin):
    form = HighlightsFeedForm
    list_display = ("__str__", "changed_by", "changed_at")
    readonly_fields = ("changed_by", "changed_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may(request) and not HighlightsFeed.objects.exists()

    def save_model(
        self, request: HttpRequest, obj: HighlightsFeed, form: Any, change: bool
    ) -> None:
        row = actions.set_highlights_feed(
            request.user,  # type: ignore[arg-type]
            enabled=form.cleaned_data["enabled"],
        )
        obj.pk = row.pk
