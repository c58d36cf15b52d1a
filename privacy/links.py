"""Signed links of the privacy app (django.core.signing.TimestampSigner).

- The archive's download link names the export and its owner, and expires
  after settings.PRIVACY_EXPORT_LINK_HOURS. It is not a bearer token: the
  download view also asks that the signed-in member owns the export
  (Perm.DOWNLOAD_DATA_EXPORT), so a forwarded email opens nothing.
- The account-deletion confirmation link (for accounts without a password,
  signed in through another site) names the account and expires after
  settings.PRIVACY_DELETE_LINK_MINUTES.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

EXPORT_SALT = "privacy.export"
DELETE_SALT = "privacy.delete-account"


def export_token(export_id: int, user_id: int) -> str:
    return signing.TimestampSigner(salt=EXPORT_SALT).sign(f"{export_id}.{user_id}")


def export_download_path(export_id: int, user_id: int) -> str:
    return reverse("privacy:export_download", args=[export_token(export_id, user_id)])


def read_export_token(token: str) -> tuple[int, int] | None:
    """(export id, owner id) of a valid, unexpired token; None otherwise."""
    try:
        value = signing.TimestampSigner(salt=EXPORT_SALT).unsign(
            token, max_age=settings.PRIVACY_EXPORT_LINK_HOURS * 3600
        )
    except signing.BadSignature:  # SignatureExpired is one
        return None
    export_id, _dot, user_id = value.partition(".")
    if not (export_id.isdigit() and user_id.isdigit()):
        return None
    return int(export_id), int(user_id)


def delete_token(user_id: int, password_hash: str) -> str:
    # The password field (unusable for these accounts, but random) is part
    # of the signed value, so a link stops working once the account changes.
    return signing.TimestampSigner(salt=DELETE_SALT).sign(
        f"{user_id}.{salted_hmac(DELETE_SALT, password_hash).hexdigest()[:16]}"
    )


def read_delete_token(token: str, user_id: int, password_hash: str) -> bool:
    try:
        value = signing.TimestampSigner(salt=DELETE_SALT).unsign(
            token, max_age=settings.PRIVACY_DELETE_LINK_MINUTES * 60
        )
    except signing.BadSignature:
        return False
    expected = f"{user_id}.{salted_hmac(DELETE_SALT, password_hash).hexdigest()[:16]}"
    return constant_time_compare(value, expected)
