"""The HMAC-SHA256 signature both directions use (README, "Support desk webhooks").

The signed message is the Unix timestamp, a dot, and the exact request body
bytes: ``HMAC_SHA256(secret, f"{timestamp}.".encode() + body)``, sent as
``X-Hearth-Signature: sha256=<hex digest>`` beside ``X-Hearth-Timestamp``.
Pure functions: no database, no settings.
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Hearth-Timestamp"
SIGNATURE_HEADER = "X-Hearth-Signature"
EVENT_HEADER = "X-Hearth-Event"
IDEMPOTENCY_HEADER = "Idempotency-Key"
SCHEME = "sha256="


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The X-Hearth-Signature value for *body* sent at *timestamp*."""
    message = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return SCHEME + digest


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Whether *signature* is *secret*'s signature of *timestamp* and *body*
    (compared in constant time). An empty secret verifies nothing."""
    if not secret or not signature.startswith(SCHEME):
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature.strip())
