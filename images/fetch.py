"""A safe HTTP(S) fetcher for URLs from outside: images members post, and
the feeds of opted-in communities (elsewhere app).

``fetch(url, ...)`` GETs one resource and gives back its body, refusing
whatever could hurt the server or the network it runs in:

* only ``http`` and ``https`` URLs, without user names or passwords;
* the host name is resolved once and every address it resolves to must be a
  public one: loopback, private, link-local, shared, multicast, reserved and
  unspecified addresses (and IPv6 forms that embed them) are refused before
  any connection is made, unless ``allow_private`` is set (tests, closed
  networks);
* the connection goes to the exact address that was checked (no second DNS
  lookup that a rebinding name server could answer differently); HTTPS still
  verifies the certificate against the host name;
* at most ``max_redirects`` redirects, each one checked like the first URL;
* a conditional GET when ``etag`` or ``last_modified`` is given (sent as
  If-None-Match / If-Modified-Since): a 304 answer comes back as a
  ``Fetched`` with ``not_modified`` set and an empty body;
* only status 200 and one of the ``content_types`` given; a body larger
  than ``max_bytes`` is refused (from its Content-Length, or while reading);
* ``timeout`` seconds to connect and between two reads, and three times that
  from the first request to the end of the body, redirects included (a
  server that sends its headers a byte at a time is bounded by the read
  timeout and http.client's header limits); no compression, no cookies, no
  proxy from the environment.

Every refusal raises ``FetchError`` whose ``code`` says why.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

__all__ = ["FetchError", "Fetched", "fetch", "is_public_address"]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK_BYTES = 64 * 1024
MAX_URL_LENGTH = 2048
USER_AGENT = "Hearth (community forum; fetches images members post)"
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]+")


class FetchError(Exception):
    """The resource was not fetched; ``code`` is a short reason:
    "bad_url", "refused_address", "dns", "connection", "timeout", "status",
    "content_type", "too_large", "too_many_redirects"."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    content_type: str  # media type only, lowercased
    body: bytes
    # The validators the server sent, for the next conditional GET.
    etag: str = ""
    last_modified: str = ""
    # A 304 to a conditional GET: nothing changed, the body is empty.
    not_modified: bool = False


_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether *address* is a globally routable unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is not None:
            return is_public_address(embedded)
    if (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address in _SHARED_ADDRESS_SPACE
    ):
        return False
    return address.is_global


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str


def _parse(url: str) -> _Target:
    if len(url) > MAX_URL_LENGTH:
        raise FetchError("bad_url", "The address is too long.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchError("bad_url", f"Not a valid address: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError("bad_url", "Only http and https addresses are fetched.")
    if parts.username is not None or parts.password is not None:
        raise FetchError("bad_url", "Addresses with a user name are not fetched.")
    host = parts.hostname or ""
    if not host:
        raise FetchError("bad_url", "The address has no host.")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise FetchError("bad_url", "The host name is not valid.") from exc
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    if any(ord(char) <= 32 or ord(char) == 127 for char in path):
        raise FetchError(
            "bad_url", "The address contains spaces or control characters."
        )
    # A redirect's Location may hold raw non-ASCII; a request line may not.
    path = _NON_ASCII_RE.sub(lambda match: quote(match.group()), path)
    return _Target(scheme, host, port or (443 if scheme == "https" else 80), path)


def _resolve(target: _Target, allow_private: bool) -> str:
    """The address to connect to; every address of the host is checked."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchError("dns", f"The host {target.host} was not found.") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise FetchError("dns", f"The host {target.host} has no address.")
    for address in addresses:
        ip = ipaddress.ip_address(address.partition("%")[0])
        if not allow_private and not is_public_address(ip):
            raise FetchError(
                "refused_address",
                f"{target.host} resolves to {ip}, which is not a public address.",
            )
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(
        self,
        host: str,
        port: int,
        address: str,
        timeout: float,
        context: ssl.SSLContext,
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._tls = context

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def _connection(
    target: _Target, address: str, timeout: float
) -> http.client.HTTPConnection:
    if target.scheme == "https":
        return _PinnedHTTPSConnection(
            target.host, target.port, address, timeout, ssl.create_default_context()
        )
    return _PinnedHTTPConnection(target.host, target.port, address, timeout)


def _read_body(
    response: http.client.HTTPResponse,
    conn: http.client.HTTPConnection,
    *,
    max_bytes: int,
    timeout: float,
    deadline: float,
) -> bytes:
    length = response.getheader("Content-Length")
    if length and length.strip().isdigit() and int(length) > max_bytes:
        raise FetchError("too_large", f"The file is larger than {max_bytes} bytes.")
    chunks: list[bytes] = []
    size = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise FetchError("timeout", "The download took too long.")
        if conn.sock is not None:
            conn.sock.settimeout(min(timeout, left))
        chunk = response.read(min(CHUNK_BYTES, max_bytes + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise FetchError("too_large", f"The file is larger than {max_bytes} bytes.")


def fetch(
    url: str,
    *,
    max_bytes: int,
    timeout: float,
    content_types: Collection[str],
    max_redirects: int = 3,
    allow_private: bool = False,
    etag: str = "",
    last_modified: str = "",
    user_agent: str = USER_AGENT,
) -> Fetched:
    """GET *url* under the rules in the module docstring."""
    deadline = time.monotonic() + 3 * timeout
    accept = ", ".join(content_types) or "*/*"
    headers = {
        "User-Agent": user_agent,
        "Accept": accept,
        "Accept-Encoding": "identity",
        "Connection": "close",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    for _hop in range(max_redirects + 1):
        target = _parse(url)
        address = _resolve(target, allow_private)
        conn = _connection(target, address, timeout)
        try:
            try:
                conn.request("GET", target.path, headers=headers)
                response = conn.getresponse()
                if response.status in REDIRECT_STATUSES:
                    location = response.getheader("Location")
                    if not location:
                        raise FetchError("status", "A redirect without a Location.")
                    url = urljoin(url, location.strip())
                    continue
                validators = {
                    "etag": (response.getheader("ETag") or "").strip()[:200],
                    "last_modified": (
                        response.getheader("Last-Modified") or ""
                    ).strip()[:100],
                }
                if response.status == 304 and (etag or last_modified):
                    return Fetched(
                        url=url,
                        content_type="",
                        body=b"",
                        etag=validators["etag"] or etag,
                        last_modified=validators["last_modified"] or last_modified,
                        not_modified=True,
                    )
                if response.status != 200:
                    raise FetchError(
                        "status", f"The server answered {response.status}."
                    )
                media_type = (
                    (response.getheader("Content-Type") or "")
                    .split(";")[0]
                    .strip()
                    .lower()
                )
                if content_types and media_type not in content_types:
                    raise FetchError(
                        "content_type",
                        f"The server sent {media_type or 'no content type'}.",
                    )
                body = _read_body(
                    response,
                    conn,
                    max_bytes=max_bytes,
                    timeout=timeout,
                    deadline=deadline,
                )
                return Fetched(
                    url=url,
                    content_type=media_type,
                    body=body,
                    etag=validators["etag"],
                    last_modified=validators["last_modified"],
                )
            except TimeoutError as exc:
                raise FetchError(
                    "timeout", "The server did not answer in time."
                ) from exc
            except (OSError, http.client.HTTPException) as exc:
                raise FetchError("connection", f"The connection failed: {exc}") from exc
            except ValueError as exc:  # e.g. http.client refusing a header
                raise FetchError("bad_url", f"The request was refused: {exc}") from exc
        finally:
            conn.close()
    raise FetchError("too_many_redirects", f"More than {max_redirects} redirects.")
