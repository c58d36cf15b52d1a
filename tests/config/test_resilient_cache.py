"""config.resilience.ResilientRedisCache against real servers: a Redis that is
stopped and started, and a TCP server that accepts and never answers."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator

import pytest

from config import resilience
from config.resilience import ResilientRedisCache
from tests.config.services import RedisServer, free_port


def _cache(url: str, retry_seconds: float) -> ResilientRedisCache:
    return ResilientRedisCache(
        url,
        {
            "KEY_PREFIX": "resilience-test",
            "OPTIONS": {
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.3,
                "RETRY_SECONDS": retry_seconds,
            },
        },
    )


class SilentServer:
    """Accepts TCP connections, counts them, never answers (a hung Redis)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self) -> None:
        self.listener.close()
        for connection in self.accepted:
            connection.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


def test_a_hung_redis_costs_one_attempt_then_the_breaker_skips_it(silent_server):
    cache = _cache(f"redis://127.0.0.1:{silent_server.port}/0", retry_seconds=3600)

    first = cache.get("page", "miss")
    later = [cache.get_many(["a", "b"]) for _ in range(20)]
    cache.set("page", "html")
    added = cache.add("lock", True)

    assert first == "miss"
    assert later == [{}] * 20
    assert added is True  # as DummyCache: allauth's rate-limit lock must not block
    assert cache.is_down
    assert len(silent_server.accepted) == 1  # one connection, then nothing


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_writes_lost_in_an_outage_are_undone_when_redis_returns():
    redis_server = RedisServer()
    reconnected: list[str] = []

    def on_back() -> None:
        reconnected.append("back")

    resilience.on_reconnect(on_back)
    try:
        redis_server.start()
        cache = _cache(redis_server.url(0), retry_seconds=0)
        cache.set("session:signed-out", "alice")
        cache.set("page:stale", "old")
        assert cache.get("session:signed-out") == "alice"

        redis_server.stop()
        cache.delete("session:signed-out")  # a sign-out during the outage
        cache.set_many({"page:stale": "new"})  # a page rendered during it
        missed = cache.get("page:stale", "miss")
        assert cache.is_down

        redis_server.start()  # with its append-only file: the old values
        cache.get("anything")  # the first call that reaches Redis

        assert missed == "miss"
        assert not cache.is_down
        assert reconnected == ["back"]
        assert cache.get("session:signed-out") is None
        assert cache.get("page:stale") is None
    finally:
        resilience._reconnect_callbacks.remove(on_back)
        redis_server.destroy()
