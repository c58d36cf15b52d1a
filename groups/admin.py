"""Expert routes are configured here; applications are read here and decided
on the group's manage page (/g/<slug>/manage/), where decisions are audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from groups.models import ExpertRoute, GroupApplication


@admin.register(ExpertRoute)
class ExpertRouteAdmin(admin.ModelAdmin):
    list_display = ("group", "category", "tag")
    list_select_related = ("group", "category", "tag")


@admin.register(GroupApplication)
class GroupApplicationAdmin(admin.ModelAdmin):
    list_display = ("applicant", "group", "status", "created_at", "decided_by")
    list_filter = ("status", "group")
    list_select_related = ("applicant", "group", "decided_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
