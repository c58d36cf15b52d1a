"""A real HTTP server for feeds, in a thread on 127.0.0.1 (an ephemeral port).

Routes map a path to a response, or to a function of the request's headers
(conditional GETs answer 304 from them). Every request is recorded with its
headers, so a test can see what the fetcher sent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Response = tuple[int, dict[str, str], bytes]
Route = Response | Callable[[Mapping[str, str]], Response]


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                headers = dict(self.headers.items())
                server.requests.append((self.path, headers))
                route = server.routes.get(self.path)
                out: dict[str, str]
                if route is None:
                    status, out, body = 404, {}, b"not found"
                elif callable(route):
                    status, out, body = route(headers)
                else:
                    status, out, body = route
                try:
                    self.send_response(status)
                    # "Content-Length": "" leaves the length out: the body
                    # ends when the connection closes (HTTP/1.0).
                    for name, value in out.items():
                        if value:
                            self.send_header(name, value)
                    if status != 304 and "Content-Length" not in out:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if status != 304:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the fetcher gave up (too large, too slow): as it should

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, body: bytes, content_type: str, **headers: str) -> str:
        self.routes[path] = (200, {"Content-Type": content_type, **headers}, body)
        return self.url(path)

    def hits(self, path: str) -> list[dict[str, str]]:
        return [headers for seen, headers in self.requests if seen == path]

    def stalled(self, headers: Mapping[str, str]) -> Response:
        """Answer only when the test ends: the fetcher must give up first."""
        self.release.wait(30)
        return 200, {"Content-Type": "application/rss+xml"}, b"<rss></rss>"

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
