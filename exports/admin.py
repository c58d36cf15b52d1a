"""Export jobs in the admin: start one, watch its progress, download it.

Jobs are written by exports.actions only: "Add" starts an export (after a
confirmation page) instead of showing a form, and nothing can be edited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from accounts.models import User
from exports import actions
from exports.models import ExportJob, ExportStatus
from permissions import policy
from permissions.policy import Perm


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "pk",
        "created_at",
        "requested_by_name",
        "status",
        "progress",
        "size",
        "download",
    )
    list_filter = ("status",)
    readonly_fields = [field.name for field in ExportJob._meta.fields] + [
        "progress",
        "download",
    ]

    @admin.display(description="Progress")
    def progress(self, job: ExportJob) -> str:
        return f"{job.rows_written:,} / {job.rows_total:,} rows ({job.percent} %)"

    @admin.display(description="Archive size")
    def size(self, job: ExportJob) -> str:
        if not job.archive_size:
            return "—"
        return f"{job.archive_size / 1024:,.0f} KiB"

    @admin.display(description="Download")
    def download(self, job: ExportJob) -> str:
        if job.status != ExportStatus.DONE:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', job.get_download_url(), job.archive_name
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return policy.can(request.user, Perm.EXPORT_COMMUNITY, None)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return policy.can(request.user, Perm.EXPORT_COMMUNITY, None)

    def add_view(
        self,
        request: HttpRequest,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """Confirm, then start an export (exports.actions.start_export)."""
        if not isinstance(request.user, User):
            raise PermissionDenied
        policy.require(request.user, Perm.EXPORT_COMMUNITY, None)
        if request.method == "POST":
            job = actions.start_export(request.user)
            messages.success(
                request,
                _(
                    "Export %(id)s started; this page shows its progress and, "
                    "once finished, the archive."
                )
                % {"id": job.pk},
            )
            return HttpResponseRedirect(reverse("admin:exports_exportjob_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Export the community"),
        }
        return render(request, "admin/exports/exportjob/start.html", context)
