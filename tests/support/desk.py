"""A real support desk for the tests: an HTTP server on 127.0.0.1 (port 0)
in a thread, speaking the webhook contract of README "Support desk webhooks".

It checks every request's signature with its OWN HMAC code (hashlib and hmac,
not support.signing), opens one ticket per idempotency key, and answers with
the statuses the test scripts (then 200). It can also sign status callbacks
the way a desk would.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def desk_signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    signature_ok: bool

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Desk:
    secret: str
    # Statuses to answer, in order; 200 once they run out.
    script: list[int] = field(default_factory=list)
    # Hold each answer until released (to test Hearth's timeout).
    hold: threading.Event | None = None
    received: list[Received] = field(default_factory=list)
    tickets: dict[str, str] = field(default_factory=dict)  # idempotency key: id

    def __post_init__(self) -> None:
        desk = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                timestamp = self.headers.get("X-Hearth-Timestamp", "")
                expected = desk_signature(desk.secret, timestamp, body)
                ok = hmac.compare_digest(
                    expected, self.headers.get("X-Hearth-Signature", "")
                )
                desk.received.append(Received(dict(self.headers), body, ok))
                if desk.hold is not None:
                    desk.hold.wait(30)
                if not ok:
                    self._answer(401, {"error": "bad signature"})
                    return
                # The desk opens the ticket first (even when it then fails
                # to answer), once per idempotency key.
                key = self.headers.get("Idempotency-Key", "")
                ticket_id = desk.tickets.setdefault(key, f"T-{len(desk.tickets) + 1}")
                status = desk.script.pop(0) if desk.script else 200
                self._answer(status, {"ticket_id": ticket_id})

            def _answer(self, status: int, data: dict) -> None:
                body = json.dumps(data).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # Hearth gave up waiting (the timeout test)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        port = self.server.server_address[1]
        return f"http://127.0.0.1:{port}/hearth/escalations"

    def stop(self) -> None:
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()

    def callback(
        self, data: dict | bytes, *, secret: str | None = None, at: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """A status callback as the desk sends it: (body, headers)."""
        body = data if isinstance(data, bytes) else json.dumps(data).encode()
        timestamp = str(at if at is not None else int(time.time()))
        signature = desk_signature(secret or self.secret, timestamp, body)
        return body, {
            "HTTP_X_HEARTH_TIMESTAMP": timestamp,
            "HTTP_X_HEARTH_SIGNATURE": signature,
        }
