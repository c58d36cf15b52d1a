"""A small real SMTP server on 127.0.0.1 for tests, speaking just enough of
RFC 5321 for smtplib (Django's smtp backend).

mode "accept" takes every message; "refuse" answers DATA with a 554 (the
server took nothing); "drop" reads the whole message and closes the
connection without answering, as a server that crashes or a network that
breaks after the message arrived: the client can't know it was delivered.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class SMTPServer:
    def __init__(self, mode: str = "accept") -> None:
        self.mode = mode
        self.messages: list[bytes] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._sock.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:  # closed
                return
            with conn, contextlib.suppress(OSError):
                self._session(conn)

    def _session(self, conn: socket.socket) -> None:
        reader = conn.makefile("rb")
        conn.sendall(b"220 test ESMTP\r\n")
        while line := reader.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                conn.sendall(b"250 test\r\n")
            elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                conn.sendall(b"250 OK\r\n")
            elif verb == b"DATA":
                conn.sendall(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                data = b""
                while (chunk := reader.readline()) not in (b".\r\n", b""):
                    data += chunk
                if self.mode == "refuse":
                    conn.sendall(b"554 5.7.1 Message rejected\r\n")
                    continue
                self.messages.append(data)
                if self.mode == "drop":
                    return  # no answer: the connection closes
                conn.sendall(b"250 OK queued\r\n")
            elif verb == b"QUIT":
                conn.sendall(b"221 Bye\r\n")
                return
            else:
                conn.sendall(b"502 Command not implemented\r\n")


def free_port() -> int:
    """A port nothing listens on (just released by the OS)."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return sock.getsockname()[1]
