"""Downloading a finished export's archive (administrators only)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from accounts.typing import AuthedHttpRequest
from exports.actions import archive_path
from exports.models import ExportJob, ExportStatus
from permissions import policy
from permissions.policy import Perm


@login_required
@require_GET
def download_view(request: AuthedHttpRequest, job_id: int) -> FileResponse:
    policy.require(request.user, Perm.EXPORT_COMMUNITY, None)
    job = get_object_or_404(ExportJob, pk=job_id, status=ExportStatus.DONE)
    path = archive_path(job)
    if not job.archive_name or not path.is_file():
        raise Http404("The archive is no longer there.")
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=job.archive_name
    )
    response["Cache-Control"] = "private, no-store"
    return response
