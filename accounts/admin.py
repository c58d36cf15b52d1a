"""Admin screens for people, brands and roles. Every change of role, brand,
moderator assignment or trust level goes through accounts.actions, which
enforce the brand-representative rules and write the audit log."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accounts import actions
from accounts.models import (
    Brand,
    CommunityGroup,
    GroupMembership,
    Invitation,
    InvitedSignup,
    User,
)
from accounts.roles import Role, TrustLevel
from accounts.typing import signed_in_user
from permissions import policy
from permissions.policy import Perm


class UserChangeForm(BaseUserChangeForm):
    new_trust_level = forms.TypedChoiceField(
        label="Set trust level by hand",
        choices=[("", "— keep —"), *TrustLevel.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    trust_reason = forms.CharField(
        label="Reason (kept in the audit log)", required=False, max_length=500
    )
    unlock_trust_level = forms.BooleanField(
        label="Let the daily recomputation set the trust level again",
        required=False,
    )
    new_brand = forms.ModelChoiceField(
        label="Verify as representative of",
        queryset=Brand.objects.all(),
        required=False,
        help_text="Refused for administrators and volunteer moderators.",
    )
    revoke_brand_rep = forms.BooleanField(
        label="Revoke brand representative status", required=False
    )
    role_reason = forms.CharField(
        label="Reason for the role change", required=False, max_length=500
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("new_trust_level") is not None and not data.get("trust_reason"):
            self.add_error("trust_reason", "Give a reason for setting the trust level.")
        brand = data.get("new_brand")
        if brand is not None:
            if data.get("is_staff") or data.get("is_superuser"):
                self.add_error(
                    "new_brand",
                    "Brand representatives never hold staff or administrator powers.",
                )
            else:
                try:
                    actions.ensure_can_become_brand_rep(self.instance)
                except ValidationError as exc:
                    self.add_error("new_brand", exc)
        if self.instance.role == Role.BRAND_REP and (
            data.get("is_staff") or data.get("is_superuser")
        ):
            self.add_error(
                None, "Brand representatives never hold staff or administrator powers."
            )
        return data


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    list_display = (
        "username",
        "email",
        "display_name",
        "role",
        "brand",
        "trust_level",
        "is_active",
    )
    list_filter = ("role", "brand", "trust_level", "is_active", "is_staff")
    search_fields = ("username", "email", "display_name")
    # Roles, brands and trust levels change only through accounts.actions.
    readonly_fields = (
        "role",
        "brand",
        "brand_since",
        "trust_level",
        "trust_level_locked",
    )
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (
            "Hearth profile",
            {"fields": ("display_name", "bio", "avatar")},
        ),
        (
            "Role and trust",
            {
                "fields": (
                    "role",
                    "brand",
                    "brand_since",
                    "new_brand",
                    "revoke_brand_rep",
                    "role_reason",
                    "trust_level",
                    "trust_level_locked",
                    "new_trust_level",
                    "unlock_trust_level",
                    "trust_reason",
                )
            },
        ),
    )

    def save_model(
        self, request: HttpRequest, obj: User, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        data = form.cleaned_data
        actor = signed_in_user(request)
        try:
            if data.get("new_brand") is not None:
                actions.verify_brand_rep(
                    actor, obj, data["new_brand"], reason=data.get("role_reason", "")
                )
            elif data.get("revoke_brand_rep"):
                actions.revoke_brand_rep(actor, obj, reason=data.get("role_reason", ""))
            if data.get("new_trust_level") is not None:
                actions.set_trust_level(
                    actor, obj, data["new_trust_level"], reason=data["trust_reason"]
                )
            elif data.get("unlock_trust_level"):
                actions.unlock_trust_level(
                    actor, obj, reason=data.get("trust_reason", "")
                )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "support_url")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)


class GroupMembershipInline(admin.TabularInline):
    """Read-only: members join, are accepted, added and removed on the
    group's manage page (/g/<slug>/manage/), where every change is audited
    and the member told."""

    model = GroupMembership
    fields = ("user", "joined_at", "expires_at")
    readonly_fields = ("user", "joined_at", "expires_at")
    can_delete = False
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CommunityGroup)
class CommunityGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "join_policy", "mentionable", "ends_at")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("terms_version",)
    inlines = [GroupMembershipInline]

    def save_model(
        self, request: HttpRequest, obj: CommunityGroup, form: Any, change: bool
    ) -> None:
        # Terms are versioned: an application records the version accepted.
        if change and "terms" in form.changed_data:
            obj.terms_version += 1
        super().save_model(request, obj, form, change)


# Invitations (issue 23): who invited whom, read-only (members make links on
# /invite/, through accounts.actions).
class _ReadOnly(admin.ModelAdmin):
    # Who may read is the policy's question (ACCESS_ADMIN: administrators).
    def has_module_permission(self, request: HttpRequest) -> bool:
        return policy.can(request.user, Perm.ACCESS_ADMIN, None)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.can(request.user, Perm.ACCESS_ADMIN, None)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(InvitedSignup)
class InvitedSignupAdmin(_ReadOnly):
    list_display = ("user", "invited_by", "invitation", "created_at")
    list_select_related = ("user", "invited_by", "invitation")
    search_fields = ("user__username", "invited_by__username")
    ordering = ("-created_at",)


@admin.register(Invitation)
class InvitationAdmin(_ReadOnly):
    list_display = ("created_by", "group", "uses", "max_uses", "expires_at")
    list_select_related = ("created_by", "group")
    search_fields = ("created_by__username",)
    ordering = ("-created_at",)
    exclude = ("code",)
