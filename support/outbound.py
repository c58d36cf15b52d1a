"""The signed-webhook client: one POST of a JSON body, signed as README
"Support desk webhooks" says, and what came of it.

Shared by support's escalation deliveries and the administrators' outgoing
webhooks (api app): both record the Outcome as an attempt and let Celery
retry with backoff when it is retryable. No database, no settings.
"""

from __future__ import annotations

import http.client
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from support.signing import (
    EVENT_HEADER,
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
)

MAX_RESPONSE_BYTES = 64 * 1024
# Statuses after which trying again cannot help: the receiver refused the request.
_RETRYABLE_STATUSES = frozenset({408, 425, 429})


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    retryable: bool
    status_code: int | None = None
    error: str = ""
    answer: bytes = b""


def post_signed(
    url: str,
    secret: str,
    body: bytes,
    *,
    timestamp: int,
    event: str,
    idempotency_key: str,
    timeout: float,
    user_agent: str,
) -> Outcome:
    """POST *body* to *url* signed with *secret* at *timestamp*. A 2xx is
    delivered; a 5xx, 408, 425, 429, a timeout or a refused connection is
    retryable; any other answer is not (the receiver refused it)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Outcome(delivered=False, retryable=False, error="Bad webhook URL.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname,
            parts.port,
            timeout=timeout,
            context=ssl.create_default_context(),
        )
    else:
        connection = http.client.HTTPConnection(
            parts.hostname, parts.port, timeout=timeout
        )
    headers = {
        "Content-Type": "application/json",
        "User-Agent": user_agent,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        IDEMPOTENCY_HEADER: idempotency_key,
        EVENT_HEADER: event,
    }
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read(MAX_RESPONSE_BYTES)
        status = response.status
    except (OSError, http.client.HTTPException) as error:
        return Outcome(
            delivered=False,
            retryable=True,
            error=f"{type(error).__name__}: {error}",
        )
    finally:
        connection.close()
    if 200 <= status < 300:
        return Outcome(
            delivered=True, retryable=False, status_code=status, answer=answer
        )
    return Outcome(
        delivered=False,
        retryable=status >= 500 or status in _RETRYABLE_STATUSES,
        status_code=status,
        error=f"HTTP {status}: {answer[:200].decode(errors='replace')}",
        answer=answer,
    )
