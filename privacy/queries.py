"""Read side of the privacy app: the member's data page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.http import Http404

from accounts.models import User
from permissions import policy
from permissions.policy import Perm
from privacy import actions, links
from privacy.models import DataExport


@dataclass(frozen=True)
class DataPage:
    latest: DataExport | None
    download_url: str
    next_request_at: datetime | None


def data_page(user: User) -> DataPage:
    """The member's latest archive, its link, and when they may ask again."""
    latest = (
        DataExport.objects.filter(user=user).order_by("-requested_at", "-pk").first()
    )
    url = ""
    if latest is not None and latest.status == DataExport.Status.READY:
        url = links.export_download_path(latest.pk, user.pk)
    return DataPage(
        latest=latest, download_url=url, next_request_at=actions.next_export_at(user)
    )


def download_data_export(actor: User, token: str) -> DataExport:
    """The export a download link names, if the link is valid and the
    signed-in *actor* owns it; Http404 otherwise (policy)."""
    read = links.read_export_token(token)
    if read is None:
        raise Http404("This link is not valid or has expired.")
    export_id, user_id = read
    export = DataExport.objects.filter(pk=export_id, user_id=user_id).first()
    if export is None:
        raise Http404("No such archive.")
    policy.require(actor, Perm.DOWNLOAD_DATA_EXPORT, export)
    if export.status != DataExport.Status.READY or not export.storage_name:
        raise Http404("This archive has expired.")
    return export
