"""Uploading from the composer, and serving uploads to those who may see them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_safe

from permissions import policy
from permissions.policy import Perm
from uploads import actions, queries
from uploads.storage import upload_storage

# Per viewer: the view asks the policy, so no shared cache may keep a copy.
CACHE_CONTROL = "private, max-age=3600"


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_http_methods(["GET", "POST"])
def upload_view(request: HttpRequest) -> HttpResponse:
    """The composer's upload: JSON for the script, a page without it."""
    policy.require(request.user, Perm.UPLOAD_FILE, None)
    if request.method == "GET":
        return render(request, "uploads/upload.html", {})
    sent = request.FILES.get("file")
    error = ""
    markdown = ""
    if sent is None:
        error = "Choose a file to upload."
    else:
        try:
            upload = actions.upload_file(
                request.user, name=sent.name or "file", content=sent
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            markdown = queries.markdown_for(upload)
    status = 400 if error else 200
    if _wants_json(request):
        body = {"error": error} if error else {"markdown": markdown}
        return JsonResponse(body, status=status)
    return render(
        request,
        "uploads/upload.html",
        {"error": error, "markdown": markdown},
        status=status,
    )


def _serve(request: HttpRequest, upload_id: int, *, small: bool) -> FileResponse:
    upload = queries.upload_for_serving(upload_id)
    if upload is None:
        raise Http404("No such file.")
    policy.require(request.user, Perm.VIEW_UPLOAD, upload)
    name = upload.thumbnail_name if small else upload.storage_name
    if not name:
        raise Http404("No such file.")
    try:
        stored = upload_storage().open(name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("No such file.") from None
    is_image = upload.kind == upload.Kind.IMAGE
    response = FileResponse(
        stored,
        content_type=upload.content_type,
        as_attachment=not is_image,
        filename=upload.filename,
    )
    if small:
        response["Content-Type"] = "image/" + name.rsplit(".", 1)[-1].replace(
            "jpg", "jpeg"
        )
    response["Cache-Control"] = CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_safe
def file_view(request: HttpRequest, upload_id: int, filename: str) -> FileResponse:
    return _serve(request, upload_id, small=False)


@require_safe
def thumbnail_view(request: HttpRequest, upload_id: int, filename: str) -> FileResponse:
    return _serve(request, upload_id, small=True)
