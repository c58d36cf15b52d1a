from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from permissions import policy
from permissions.policy import Perm


class HearthAdminSite(admin.AdminSite):
    site_header = "Hearth administration"
    site_title = "Hearth administration"

    def has_permission(self, request: HttpRequest) -> bool:
        # Staff status alone is not enough: the policy decides, and it denies
        # brand representatives first.
        return super().has_permission(request) and policy.can(
            request.user, Perm.ACCESS_ADMIN, None
        )

    def get_app_list(
        self, request: HttpRequest, app_label: str | None = None
    ) -> list[Any]:
        """One "Accounts" section: allauth's email addresses (app "account")
        join Hearth's accounts app instead of a second section of that name."""
        apps = super().get_app_list(request, app_label)
        ours = next((app for app in apps if app["app_label"] == "accounts"), None)
        theirs = next((app for app in apps if app["app_label"] == "account"), None)
        if ours is None or theirs is None:
            return apps
        ours["models"] = sorted(
            ours["models"] + theirs["models"], key=lambda model: model["name"]
        )
        return [app for app in apps if app is not theirs]
