"""Read side of the privacy app: the member's data page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from accounts.models import User
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
