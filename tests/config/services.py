"""Real processes for outage tests and the drill (bench/drill.py).

A private PostgreSQL cluster and Redis server on free loopback ports, Hearth
under gunicorn with ``config.settings.prod``, Celery worker and beat, and a
small HTTP client that behaves like a browser behind a TLS-terminating proxy
(``X-Forwarded-Proto: https``, cookies kept by hand since production cookies
are ``Secure``). Everything here can be stopped and started again on the
same port and data directory, which is the point: the tests stop Redis and
PostgreSQL under a running site.

Nothing here touches the shared PostgreSQL (5432) or Redis (6379).
"""

from __future__ import annotations

import contextlib
import glob
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent.parent
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: Callable[[], Any], what: str, attempts: int = 600) -> Any:
    """Poll *condition* every 0.1 s, at most *attempts* times (bounded, not timed)."""
    for _ in range(attempts):
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def postgres_bin() -> Path | None:
    """The newest PostgreSQL server binaries installed, if any."""
    found = sorted(
        (Path(path) for path in glob.glob(PG_BIN_GLOB)),
        key=lambda path: int(re.sub(r"\D", "", path.parent.name) or 0),
    )
    found = [path for path in found if (path / "pg_ctl").exists()]
    return found[-1] if found else None


def missing_binaries() -> str:
    """Why the real-process tests can't run here ('' when they can)."""
    if postgres_bin() is None:
        return f"needs PostgreSQL server binaries ({PG_BIN_GLOB}/pg_ctl)"
    if shutil.which("redis-server") is None:
        return "needs the redis-server binary"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "needs runuser to run PostgreSQL as the postgres user"
    return ""


def _workdir(prefix: str) -> Path:
    """A temporary directory the postgres user can use when we are root."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


class PostgresCluster:
    """initdb + pg_ctl in a temporary directory, on a free port."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        assert self.bin is not None
        self.base = _workdir("hearth-pg-")
        self.data = self.base / "data"
        self.log = self.base / "postgres.log"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        self.user = "postgres"
        if self.as_postgres:
            shutil.chown(self.base, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(
            command,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=120,
            cwd=self.base,
        )

    def init(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            self.user,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.base} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> None:
        import psycopg2  # type: ignore[import-untyped]

        connection = psycopg2.connect(self.url("postgres"))
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


class RedisServer:
    """redis-server on a free port, with an append-only file (as the README
    recommends for the broker), so a restart keeps what it held."""

    def __init__(self) -> None:
        self.base = _workdir("hearth-redis-")
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--dir",
                str(self.base),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.answers, "redis to start")

    def answers(self) -> bool:
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


def hearth_env(
    database_url: str,
    cache_url: str,
    broker_url: str,
    mail_dir: Path,
    port: int,
    **extra: str,
) -> dict[str, str]:
    """Environment for Hearth in production settings on 127.0.0.1:*port*."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL=f"https://127.0.0.1:{port}",
        DATABASE_URL=database_url,
        CACHE_URL=cache_url,
        BROKER_URL=broker_url,
        EMAIL_BACKEND="file",
        EMAIL_FILE_PATH=str(mail_dir),
        NOTIFICATIONS_EMAIL_DELAY_SECONDS="0",
        NOTIFICATIONS_SWEEP_AFTER_SECONDS="0",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def run_django(env: dict[str, str], code: str) -> str:
    """Run Django code in a process of its own (as a web or worker process would)."""
    result = subprocess.run(
        [sys.executable, "-c", "import django\ndjango.setup()\n" + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


class Process:
    """A long-running child in a session of its own, logging to a file."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.command, self.env, self.log = command, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def children(self) -> set[int]:
        """Pids whose parent is this process (gunicorn's workers)."""
        found = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.pid:
                found.add(int(stat.parent.name))
        return found

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        except ProcessLookupError:
            pass
        self.process = None


def gunicorn(env: dict[str, str], port: int, log: Path, workers: int = 2) -> Process:
    return Process(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--no-control-socket",  # one per user by default: shared with others
        ],
        env,
        log,
    )


def celery(env: dict[str, str], log: Path, role: str = "worker") -> Process:
    command = [sys.executable, "-m", "celery", "-A", "config", role, "--loglevel=INFO"]
    if role == "worker":
        command += [
            "--pool=solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ]
    else:
        command += [f"--schedule={log.with_suffix('.schedule')}"]
    return Process(command, env, log)


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """A browser behind a TLS proxy: cookies, CSRF token, no redirects followed.

    A connection error is raised as is: the tests count statuses, and no
    answer at all is a failure of its own.
    """

    def __init__(self, port: int, timeout: float = 60) -> None:
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def request(
        self, method: str, path: str, data: dict[str, str] | None = None
    ) -> Response:
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=self.timeout
        )
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "Referer": self.origin + path,
            "Accept": "text/html",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            content = raw.read()
            for header in raw.headers.get_all("Set-Cookie") or []:
                jar: SimpleCookie = SimpleCookie()
                jar.load(header)
                for name, morsel in jar.items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return Response(raw.status, dict(raw.headers.items()), content)
        finally:
            connection.close()

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict[str, str]) -> Response:
        token = self.cookies.get("csrftoken")
        if token is None:
            self.get(path)  # the form page sets the CSRF cookie
            token = self.cookies.get("csrftoken", "")
        return self.request("POST", path, {"csrfmiddlewaretoken": token, **data})

    def login(self, username: str, password: str) -> Response:
        self.get("/accounts/login/")
        return self.post("/accounts/login/", {"login": username, "password": password})

    @property
    def signed_in(self) -> bool:
        return "sessionid" in self.cookies


def redirect_path(response: Response) -> str:
    return urlsplit(response.headers.get("Location", "")).path
