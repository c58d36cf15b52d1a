from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = (
        "username",
        "email",
        "display_name",
        "role",
        "trust_level",
        "is_active",
    )
    list_filter = ("role", "trust_level", "is_active", "is_staff")
    search_fields = ("username", "email", "display_name")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            "Hearth",
            {"fields": ("display_name", "bio", "avatar", "role", "trust_level")},
        ),
    )
    # Roles and trust levels change only through accounts.actions, which
    # enforce the brand-representative rules and log the change.
    readonly_fields = ("role", "trust_level")
