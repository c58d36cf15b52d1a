"""End to end with real processes: a Redis server, a Celery worker and a
"web" process that posts, all sharing the test PostgreSQL database.

These need PostgreSQL (processes can't share SQLite's in-memory test
database) and the redis-server binary; CI has both. They start their own
Redis on a spare port so they can stop it without disturbing anything else.
"""

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

from accounts.models import User
from forum.models import Topic
from notifications.models import Delivery, Event, Notification, TopicWatch, WatchLevel
from tests.factories import make_category, make_topic, make_user

ROOT = Path(__file__).resolve().parent.parent.parent
REDIS_PORT = 6391

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        shutil.which("redis-server") is None, reason="needs the redis-server binary"
    ),
]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("processes share the database only on PostgreSQL (CI runs these)")


class Redis:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{REDIS_PORT}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(REDIS_PORT),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for(lambda: _redis_answers(), "redis to start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def _redis_answers() -> bool:
    import redis

    try:
        return redis.Redis(port=REDIS_PORT, socket_connect_timeout=0.2).ping()
    except redis.RedisError:
        return False


# Generous: on a busy two-core machine a worker can take a minute to start.
def _wait_for(condition, what: str, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def env(tmp_path):
    settings_dict = connection.settings_dict
    database_url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
        "EMAIL_BACKEND": "file",
        "EMAIL_FILE_PATH": str(mail_dir),
        "NOTIFICATIONS_EMAIL_DELAY_SECONDS": "0",
        "NOTIFICATIONS_SWEEP_AFTER_SECONDS": "0",
    }


@pytest.fixture
def redis_server(tmp_path):
    server = Redis(tmp_path)
    server.start()
    yield server
    server.stop()


class Worker:
    def __init__(self, env: dict, log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log.write_text("")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
        )
        _wait_for(lambda: "ready." in self.log.read_text(), "the worker to be ready")

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None


@pytest.fixture
def worker(env, tmp_path):
    celery_worker = Worker(env, tmp_path / "worker.log")
    yield celery_worker
    celery_worker.stop()


def _run(env: dict, code: str) -> str:
    """Run Django code in a separate process, as the web process would."""
    script = "import django\ndjango.setup()\n" + code
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _post_reply(env: dict, topic: Topic, author: User, body: str) -> None:
    _run(
        env,
        "from accounts.models import User\nfrom forum.models import Topic\n"
        "from forum import actions\n"
        f"actions.reply_to_topic(User.objects.get(pk={author.pk}), "
        f"Topic.objects.select_related('category__parent').get(pk={topic.pk}), "
        f"body={body!r})\n",
    )


def _sweep(env: dict) -> None:
    _run(
        env,
        "from notifications.tasks import sweep_undispatched_events\n"
        "print(sweep_undispatched_events())\n",
    )


def _emails_to(mail_dir: Path, address: str) -> int:
    return sum(
        path.read_text(errors="replace").count(f"To: {address}")
        for path in mail_dir.glob("*.log")
    )


def _scene():
    category = make_category("General", slug="general")
    author = make_user("author")
    topic = make_topic(category, author, title="Descaling the Duo")
    watcher = make_user("watcher")
    TopicWatch.objects.create(user=watcher, topic=topic, level=WatchLevel.WATCHING)
    replier = make_user("replier")
    return topic, watcher, replier


def _all_emails_settled() -> bool:
    return not Delivery.objects.filter(
        channel="email", status__in=["pending", "claimed", "sending"]
    ).exists()


def test_reply_gives_a_watcher_one_notification_and_one_email(
    env, redis_server, worker
):
    topic, watcher, replier = _scene()
    Event.objects.update(dispatched_at="2000-01-01T00:00:00Z")  # setup noise
    worker.start()

    _post_reply(env, topic, replier, "Use citric acid at 60 degrees.")

    event = Event.objects.get(kind="post.created")
    _wait_for(
        lambda: Event.objects.get(pk=event.pk).dispatched_at is not None, "fan-out"
    )
    _wait_for(_all_emails_settled, "emails")
    assert Notification.objects.filter(recipient=watcher).count() == 1
    assert _emails_to(Path(env["EMAIL_FILE_PATH"]), watcher.email) == 1
    assert Delivery.objects.get(recipient=watcher, channel="email").status == "sent"


def test_posting_works_with_redis_down_and_delivers_once_when_back(
    env, redis_server, worker
):
    topic, watcher, replier = _scene()
    Event.objects.update(dispatched_at="2000-01-01T00:00:00Z")
    redis_server.stop()

    _post_reply(env, topic, replier, "Posted while the broker was down.")

    event = Event.objects.get(kind="post.created")
    assert event.dispatched_at is None  # kept in the outbox, not lost
    assert topic.posts.count() == 2  # the reply itself stands
    redis_server.start()
    worker.start()
    _sweep(env)
    _sweep(env)  # a second sweep must not double anything
    _wait_for(
        lambda: Event.objects.get(pk=event.pk).dispatched_at is not None, "fan-out"
    )
    _wait_for(_all_emails_settled, "emails")
    assert Notification.objects.filter(recipient=watcher).count() == 1
    assert _emails_to(Path(env["EMAIL_FILE_PATH"]), watcher.email) == 1


def test_worker_killed_mid_fan_out_sends_no_duplicate(env, redis_server, worker):
    topic, _watcher, replier = _scene()
    watchers = User.objects.bulk_create(
        [User(username=f"fan{i}", email=f"fan{i}@example.com") for i in range(20000)]
    )
    TopicWatch.objects.bulk_create(
        [TopicWatch(user=u, topic=topic, level=WatchLevel.WATCHING) for u in watchers]
    )
    Event.objects.update(dispatched_at="2000-01-01T00:00:00Z")
    worker.start()

    _post_reply(env, topic, replier, "A reply twenty thousand people watch.")
    event = Event.objects.get(kind="post.created")
    _wait_for(
        lambda: _fan_out_in_progress(connection.settings_dict["NAME"]),
        "fan-out to start",
        30,
    )
    worker.kill()
    killed_mid_way = Event.objects.get(pk=event.pk).dispatched_at is None

    worker.start()
    _sweep(env)
    _wait_for(
        lambda: Event.objects.get(pk=event.pk).dispatched_at is not None, "fan-out", 120
    )
    counts = (
        Notification.objects.filter(event=event).values("recipient").distinct().count()
    )
    assert killed_mid_way is True
    assert Notification.objects.filter(event=event).count() == counts == 20002
    assert Delivery.objects.filter(event=event, channel="app").count() == 20002


def _fan_out_in_progress(database: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
            "AND pid <> pg_backend_pid() AND query ILIKE %s "
            "AND state IN ('active', 'idle in transaction')",
            [database, "%notifications_notification%"],
        )
        return cursor.fetchone()[0] > 0


# --- A worker dying, or its database failing, between claim and send ------------------
#
# The worker is held between its claim and the send by a lock the test takes
# on account_emailaddress: deliver_email reads it (has_verified_email) after
# claiming and before sending, and neither posting nor the fan-out touches it.


@contextmanager
def _table_locked(table: str):
    """Hold an ACCESS EXCLUSIVE lock on *table* from a connection of our own."""
    locker = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        locker.set_autocommit(False)
        with locker.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield locker
    finally:
        locker.rollback()
        locker.close()


def _claimed_email() -> Delivery | None:
    return Delivery.objects.filter(channel="email", status="claimed").first()


def _emails_by_recipient(env: dict) -> dict[str, int]:
    mail_dir = Path(env["EMAIL_FILE_PATH"])
    return {
        delivery.recipient.email: _emails_to(mail_dir, delivery.recipient.email)
        for delivery in Delivery.objects.filter(channel="email").select_related(
            "recipient"
        )
    }


def test_worker_killed_after_claiming_is_requeued_after_its_lease_and_sent_once(
    env, redis_server, worker, tmp_path
):
    env["NOTIFICATIONS_SWEEP_AFTER_SECONDS"] = "3"  # the lease
    topic, watcher, replier = _scene()
    Event.objects.update(dispatched_at="2000-01-01T00:00:00Z")
    worker.start()

    with _table_locked("account_emailaddress"):
        _post_reply(env, topic, replier, "Claimed, then the worker died.")
        _wait_for(lambda: _claimed_email() is not None, "the worker to claim one")
        worker.kill()
    claimed = _claimed_email()
    assert claimed is not None and claimed.attempts == 1
    assert claimed.claimed_until is not None
    # The topic's author and the watcher: one claimed when the worker died,
    # the other never reached.
    assert Delivery.objects.filter(channel="email").count() == 2

    another = Worker(env, tmp_path / "another-worker.log")
    another.start()
    try:
        # Bounded polling: the sweep puts it back once the lease has ended.
        def sweep_released_it() -> bool:
            _sweep(env)
            return _claimed_email() is None

        _wait_for(sweep_released_it, "the sweep to re-queue the expired claim")
        _wait_for(_all_emails_settled, "emails")
    finally:
        another.stop()
    claimed.refresh_from_db()
    assert (claimed.status, claimed.attempts) == ("sent", 2)
    assert set(
        Delivery.objects.filter(channel="email").values_list("status", flat=True)
    ) == {"sent"}
    assert _emails_by_recipient(env) == {watcher.email: 1, topic.author.email: 1}


def test_database_error_before_the_send_puts_it_back_and_it_is_sent_once(
    env, redis_server, worker
):
    # A lease far longer than the test: a second claim can only follow a
    # release to pending, never a lease running out.
    env["NOTIFICATIONS_SWEEP_AFTER_SECONDS"] = "3600"
    topic, watcher, replier = _scene()
    Event.objects.update(dispatched_at="2000-01-01T00:00:00Z")
    worker.start()
    database = connection.settings_dict["NAME"]

    with _table_locked("account_emailaddress") as locker:
        _post_reply(env, topic, replier, "The database failed under the worker.")
        _wait_for(lambda: _claimed_email() is not None, "the worker to claim one")
        claimed = _claimed_email()
        assert claimed is not None and claimed.attempts == 1
        # A real database error: the server ends the worker's session while
        # it waits between its claim and the send.
        with locker.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND wait_event_type = 'Lock' "
                "AND pid <> pg_backend_pid()",
                [database],
            )
            assert cursor.fetchall() == [(True,)]

        # The row went back to pending and the task's retry claimed it again
        # (it waits on the lock once more).
        def claimed_again() -> bool:
            claimed.refresh_from_db()
            return (claimed.status, claimed.attempts) == ("claimed", 2)

        _wait_for(claimed_again, "the retry to claim it again")
        assert claimed.detail.startswith("OperationalError")
    _wait_for(_all_emails_settled, "emails")

    claimed.refresh_from_db()
    assert (claimed.status, claimed.attempts) == ("sent", 2)
    assert _emails_by_recipient(env) == {watcher.email: 1, topic.author.email: 1}
    log = worker.log.read_text()
    assert f"Email delivery {claimed.pk}: not sent (OperationalError" in log
    # The chunk was retried (Celery logs "Retry in" at INFO, silenced here).
    assert log.count("Task notifications.send_notification_emails[") >= 2
    assert "may have been sent" not in log


# --- A real PostgreSQL outage under the worker -------------------------------------------

PG_PORT = 6398


def _pg_tool(name: str) -> str | None:
    """initdb or pg_ctl: on the PATH, or where Debian's packages put them."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return shutil.which(name) or (str(found[-1]) if found else None)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


class Postgres:
    """A private PostgreSQL server the test may stop and start at will."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="hearth-pg-"))
        self.data = self.dir / "data"
        self.url = f"postgres://postgres@127.0.0.1:{PG_PORT}/hearth"
        # PostgreSQL refuses to run as root.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.dir, "postgres")
        self._call(
            _pg_tool("initdb"), "-D", self.data, "-U", "postgres", "--auth=trust"
        )

    def _call(self, *args) -> None:
        subprocess.run(
            [*self.as_user, *map(str, args)],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        options = (
            f"-p {PG_PORT} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        )
        self._call(
            _pg_tool("pg_ctl"), "-D", self.data, "-o", options,
            "-l", self.dir / "log", "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._call(_pg_tool("pg_ctl"), "-D", self.data, "-m", "fast", "-w", "stop")

    def connect(self, dbname: str = "hearth"):
        import psycopg2  # type: ignore[import-untyped]

        return psycopg2.connect(
            host="127.0.0.1", port=PG_PORT, user="postgres", dbname=dbname
        )

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def postgres():
    if not (_pg_tool("initdb") and _pg_tool("pg_ctl")):
        pytest.skip("needs the PostgreSQL server binaries (initdb, pg_ctl)")
    if os.geteuid() == 0 and not (shutil.which("runuser") and _has_user("postgres")):
        pytest.skip("as root, needs runuser and a postgres user to start PostgreSQL")
    server = Postgres()
    server.start()
    admin = server.connect("postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("CREATE DATABASE hearth")
    admin.close()
    yield server
    server.remove()


def _rows(server: Postgres, sql: str, params=()) -> list[tuple]:
    conn = server.connect()
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        conn.close()


WATCHERS = 250  # with the topic's author: two email chunks (200 + 51)


def test_postgres_outage_under_the_worker_delays_emails_and_loses_none(
    env, redis_server, worker, postgres
):
    """PostgreSQL stops while the worker holds a claim and has a second chunk
    queued: the claim can't even be released, and both chunks meet refused
    connections. Nothing is dropped: the tasks retry with backoff, the retry
    takes back its own stranded claim (no waiting for the lease), and once
    the server is back every recipient has exactly one email; no sweep is
    needed."""
    env["DATABASE_URL"] = postgres.url
    # A lease far longer than the test: the retries take back their own claim.
    env["NOTIFICATIONS_SWEEP_AFTER_SECONDS"] = "3600"
    _run(env, "from django.core.management import call_command\n"
              "call_command('migrate', verbosity=0)\n")  # fmt: skip
    _run(
        env,
        "from notifications.models import Event, TopicWatch, WatchLevel\n"
        "from tests.factories import make_category, make_topic, make_user\n"
        "topic = make_topic(make_category('General', slug='general'),"
        " make_user('author'), title='Descaling the Duo')\n"
        f"for i in range({WATCHERS}):\n"
        "    TopicWatch.objects.create(user=make_user(f'watcher{i}'), topic=topic,"
        " level=WatchLevel.WATCHING)\n"
        "make_user('replier')\n"
        "Event.objects.update(dispatched_at='2000-01-01T00:00:00Z')\n",
    )
    worker.start()

    locker = postgres.connect()
    with locker.cursor() as cursor:  # holds the worker between claim and send
        cursor.execute("LOCK TABLE account_emailaddress IN ACCESS EXCLUSIVE MODE")
    _run(
        env,
        "from accounts.models import User\nfrom forum.models import Topic\n"
        "from forum import actions\n"
        "actions.reply_to_topic(User.objects.get(username='replier'),"
        " Topic.objects.select_related('category__parent').get(),"
        " body='Posted just before the database went away.')\n",
    )
    claimed_sql = (
        "SELECT id FROM notifications_delivery "
        "WHERE channel = 'email' AND status = 'claimed'"
    )
    _wait_for(lambda: _rows(postgres, claimed_sql), "the worker to claim an email")
    [(claimed_id,)] = _rows(postgres, claimed_sql)

    postgres.stop()  # ends every session, the lock's and the worker's
    _wait_for(
        lambda: "left claimed until its lease ends" in worker.log.read_text(),
        "the worker to meet the outage",
    )
    postgres.start()

    unsettled_sql = (
        "SELECT count(*) FROM notifications_delivery WHERE channel = 'email' "
        "AND status IN ('pending', 'claimed', 'sending')"
    )
    _wait_for(
        lambda: _rows(postgres, unsettled_sql) == [(0,)], "emails after the outage", 180
    )
    statuses = _rows(
        postgres,
        "SELECT status, count(*) FROM notifications_delivery "
        "WHERE channel = 'email' GROUP BY status",
    )
    assert statuses == [("sent", WATCHERS + 1)]
    assert _rows(
        postgres,
        "SELECT attempts FROM notifications_delivery WHERE id = %s",
        [claimed_id],
    ) == [(2,)]
    mail_dir = Path(env["EMAIL_FILE_PATH"])
    received = [
        _emails_to(mail_dir, f"watcher{i}@example.com") for i in range(WATCHERS)
    ]
    assert received == [1] * WATCHERS
    assert _emails_to(mail_dir, "author@example.com") == 1
    log = worker.log.read_text()
    assert "may have been sent" not in log
    # Two chunks, and their retries (the outage was met, not sidestepped).
    assert log.count("Task notifications.send_notification_emails[") > 2
