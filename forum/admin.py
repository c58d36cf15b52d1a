"""Admins manage the forum's structure here. Topics and posts are not in the
admin: nobody edits someone else's words, and moderation happens through
the moderation actions, in the open."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import ForeignKey
from django.forms import ModelChoiceField
from django.http import HttpRequest

from forum.models import Category, Tag


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "parent",
        "kind",
        "position",
        "restricted_to",
        "topic_count",
    )
    list_filter = ("kind", "parent")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("topic_count", "post_count", "last_topic", "last_posted_at")
    ordering = ("position", "name")

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        if db_field.name == "parent":
            # One level of subcategories.
            kwargs["queryset"] = Category.objects.filter(parent__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "topic_count")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("topic_count",)
    search_fields = ("name",)
