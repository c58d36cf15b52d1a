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
