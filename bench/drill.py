"""`make drill`: stop Redis, then PostgreSQL, under a running Hearth, and count.

Starts everything it needs on loopback, privately (tests.config.services): a
PostgreSQL cluster and a Redis server (append-only, cache and broker in
separate logical databases) on free ports, Hearth under gunicorn with
``config.settings.prod``, a Celery worker and beat, and a file mailbox. Then
members who all watch the same topics post replies and read pages while
anonymous visitors read, and the drill

1. stops Redis for ``--redis-outage`` seconds (default 20),
2. lets the site settle, then stops PostgreSQL for ``--postgres-outage`` (10),
3. stops the clients and waits (bounded) for the worker to deliver,

and reports requests by status in each phase, replies posted / accepted /
stored, notifications and emails delivered afterwards, and duplicates (must
be 0). Everything it started is stopped, even when interrupted. Takes three
to six minutes; nothing listens beyond 127.0.0.1.
"""

from __future__ import annotations

import argparse
import collections
import email
import itertools
import json
import random
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.config import services  # noqa: E402
from tests.config.services import Client, wait_for  # noqa: E402

# tests.factories.PASSWORD (importing that module needs Django set up).
PASSWORD = "correct-horse-battery"  # noqa: S105 (test accounts on a private database)

SEED = """
import json
from django.utils import timezone
from notifications.models import Event, TopicWatch, WatchLevel
from tests.factories import make_category, make_topic, make_user

category = make_category("Espresso", slug="espresso")
members = [make_user(f"member{i}") for i in range(MEMBERS)]
topics = [
    make_topic(category, members[i % len(members)], title=f"Drill topic {i}")
    for i in range(TOPICS)
]
TopicWatch.objects.bulk_create(
    [TopicWatch(user=m, topic=t, level=WatchLevel.WATCHING) for m in members for t in topics],
    ignore_conflicts=True,
)
Event.objects.update(dispatched_at=timezone.now())  # the setup is not counted
print(json.dumps({
    "members": [m.username for m in members],
    "topics": [[t.pk, t.get_absolute_url()] for t in topics],
    "category": category.get_absolute_url(),
}))
"""

MARKER = "drill reply"


def log(message: str) -> None:
    sys.stdout.write(f"[drill {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stdout.flush()


class Recorder:
    """Every request: (phase, who, outcome), in the phase it ended in."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.phase = "before"
        self.counts: collections.Counter[tuple[str, str, str]] = collections.Counter()
        self.replies: dict[str, str] = {}  # token -> outcome

    def record(self, phase: str, who: str, outcome: str) -> None:
        with self.lock:
            self.counts[(phase, who, outcome)] += 1


def outcome_of(response: services.Response) -> str:
    if response.status == 503:
        proper = (
            "Retry-After" in response.headers and "Back in a moment" in response.text
        )
        return "503" if proper else "503 (no Retry-After or error page)"
    return str(response.status)


def member_loop(
    client: Client,
    recorder: Recorder,
    topics: list[list[Any]],
    stop: threading.Event,
    tokens: itertools.count,
    seed: int,
) -> None:
    rng = random.Random(seed)  # noqa: S311 (load, not secrets)
    while not stop.is_set():
        topic_id, topic_url = rng.choice(topics)
        if rng.random() < 0.3:
            token = f"{MARKER} {next(tokens)}"
            body = f"{token}: dialled in at {rng.randint(88, 96)} degrees."
            try:
                response = client.post(f"/t/{topic_id}/reply/", {"body": body})
                outcome = outcome_of(response)
            except OSError as exc:
                outcome = f"error {type(exc).__name__}"
            with recorder.lock:
                recorder.replies[token] = outcome
            recorder.record(recorder.phase, "member reply", outcome)
        else:
            path = rng.choice([topic_url, "/", "/latest/", "/notifications/"])
            try:
                outcome = outcome_of(client.get(path))
            except OSError as exc:
                outcome = f"error {type(exc).__name__}"
            recorder.record(recorder.phase, "member read", outcome)
        stop.wait(rng.uniform(0.2, 0.5))


def anonymous_loop(
    client: Client,
    recorder: Recorder,
    paths: list[str],
    stop: threading.Event,
    seed: int,
) -> None:
    rng = random.Random(seed)  # noqa: S311 (load, not secrets)
    while not stop.is_set():
        try:
            outcome = outcome_of(client.get(rng.choice(paths)))
        except OSError as exc:
            outcome = f"error {type(exc).__name__}"
        recorder.record(recorder.phase, "anonymous read", outcome)
        stop.wait(rng.uniform(0.1, 0.3))


def mailbox(mail_dir: Path) -> list[tuple[str, str]]:
    """(recipient, link to what it is about) of every message in the mailbox."""
    found = []
    for path in sorted(mail_dir.glob("*.log")):
        for chunk in path.read_text(errors="replace").split("-" * 79):
            if "To: " not in chunk:
                continue
            message = email.message_from_string(chunk.strip())
            text = ""
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    payload = part.get_payload(decode=True)
                    if isinstance(payload, bytes):
                        text = payload.decode("utf-8", "replace")
                    break
            links = re.findall(r"https?://\S+", text)
            links = [link for link in links if "unsubscribe" not in link]
            found.append((str(message["To"]), links[0] if links else ""))
    return found


def report(
    stack: dict[str, Any],
    recorder: Recorder,
    settled: bool,
    web_log: str,
    worker_log: str,
) -> dict[str, Any]:
    sql = stack["sql"]
    phases = ["before", "redis down", "between", "postgres down", "after"]
    requests: dict[str, dict[str, dict[str, int]]] = {}
    for (phase, who, outcome), count in sorted(recorder.counts.items()):
        requests.setdefault(phase, {}).setdefault(who, {})[outcome] = count

    stored = {
        row[0].split(":", 1)[0]
        for row in sql(
            "SELECT body_source FROM forum_post WHERE body_source LIKE %s",
            MARKER + " %",
        )
    }
    accepted = {t for t, outcome in recorder.replies.items() if outcome == "302"}
    replies = {
        "posted": len(recorder.replies),
        "by outcome": dict(collections.Counter(recorder.replies.values())),
        "accepted (302)": len(accepted),
        "stored": len(stored),
        "accepted but not stored (lost)": len(accepted - stored),
        "stored but not accepted": len(stored - accepted),
    }

    members = len(stack["scene"]["members"])
    [(events, undispatched)] = sql(
        "SELECT count(*), count(*) FILTER (WHERE dispatched_at IS NULL)"
        " FROM notifications_event WHERE id IN (SELECT e.id FROM notifications_event e"
        " JOIN forum_post p ON p.id = e.post_id"
        " WHERE e.kind = 'post.created' AND p.body_source LIKE %s)",
        MARKER + " %",
    )
    [(notifications, pairs)] = sql(
        "SELECT count(*), count(DISTINCT (event_id, recipient_id))"
        " FROM notifications_notification WHERE event_id IN (SELECT e.id"
        " FROM notifications_event e JOIN forum_post p ON p.id = e.post_id"
        " WHERE e.kind = 'post.created' AND p.body_source LIKE %s)",
        MARKER + " %",
    )
    deliveries = dict(
        sql(
            "SELECT status, count(*) FROM notifications_delivery"
            " WHERE channel = 'email' AND event_id IN (SELECT e.id"
            " FROM notifications_event e JOIN forum_post p ON p.id = e.post_id"
            " WHERE e.kind = 'post.created' AND p.body_source LIKE %s) GROUP BY 1",
            MARKER + " %",
        )
    )
    messages = mailbox(stack["mail"])
    per_message = collections.Counter(messages)
    notifications_report = {
        "reply events": events,
        "undispatched events": undispatched,
        "expected (stored replies x other watchers)": len(stored) * (members - 1),
        "notifications": notifications,
        "duplicate notifications": notifications - pairs,
    }
    emails = {
        "email deliveries by status": deliveries,
        "messages in the mailbox": len(messages),
        "duplicate messages (same recipient and link)": sum(
            n - 1 for n in per_message.values() if n > 1
        ),
    }
    logs = {
        "web: 'Database unavailable' warnings": web_log.count("Database unavailable"),
        "web: 'Cache unreachable' warnings": web_log.count("Cache unreachable"),
        "web: tracebacks": web_log.count("Traceback"),
        "worker: tracebacks": worker_log.count("Traceback"),
    }
    return {
        "requests": {phase: requests.get(phase, {}) for phase in phases},
        "replies": replies,
        "notifications": notifications_report,
        "emails": emails,
        "settled": settled,
        "logs": logs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=6)
    parser.add_argument("--topics", type=int, default=3)
    parser.add_argument("--anonymous", type=int, default=2, help="anonymous readers")
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--redis-outage", type=float, default=20)
    parser.add_argument("--between", type=float, default=15)
    parser.add_argument("--postgres-outage", type=float, default=10)
    parser.add_argument("--after", type=float, default=15)
    parser.add_argument(
        "--settle", type=int, default=240, help="seconds to wait for delivery"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--json", help="also write the report to this file")
    args = parser.parse_args()

    reason = services.missing_binaries()
    if reason:
        log(f"cannot run: {reason}")
        return 2
    pg = services.PostgresCluster()
    redis = services.RedisServer()
    workdir = pg.base.parent / f"{pg.base.name}-drill"
    workdir.mkdir()
    processes: list[services.Process] = []
    stop = threading.Event()
    try:
        log(f"PostgreSQL on 127.0.0.1:{pg.port}, Redis on 127.0.0.1:{redis.port}")
        pg.init()
        pg.start()
        pg.create_database("hearth")
        redis.start()
        port = services.free_port()
        mail = workdir / "mail"
        mail.mkdir()
        env = services.hearth_env(
            pg.url("hearth"),
            redis.url(0),
            redis.url(1),
            mail,
            port,
            NOTIFICATIONS_SWEEP_AFTER_SECONDS="20",
            NOTIFICATIONS_DAILY_EMAIL_CAP="100000",
        )
        log("migrating, collecting static files, seeding")
        services.manage(env, "migrate", "--noinput", "-v0")
        services.manage(env, "collectstatic", "--noinput", "-v0")
        seed = SEED.replace("MEMBERS", str(args.members)).replace(
            "TOPICS", str(args.topics)
        )
        scene = json.loads(services.run_django(env, seed).strip().splitlines()[-1])
        web = services.gunicorn(env, port, workdir / "gunicorn.log", args.workers)
        worker = services.celery(env, workdir / "worker.log")
        beat = services.celery(env, workdir / "beat.log", role="beat")
        processes += [web, worker, beat]
        for process in processes:
            process.start()
        wait_for(lambda: _healthy(port), "gunicorn to answer", attempts=600)
        wait_for(lambda: "ready." in worker.log.read_text(), "the worker", attempts=600)
        log(
            f"gunicorn ({args.workers} workers) on http://127.0.0.1:{port}/, worker, beat"
        )

        recorder = Recorder()
        tokens = itertools.count(1)
        threads = []
        for i, username in enumerate(scene["members"]):
            client = Client(port)
            response = client.login(username, PASSWORD)
            if response.status != 302 or not client.signed_in:
                raise SystemExit(f"{username} could not sign in ({response.status})")
            threads.append(
                threading.Thread(
                    target=member_loop,
                    args=(client, recorder, scene["topics"], stop, tokens, i),
                )
            )
        anonymous_paths = ["/", "/latest/", scene["category"]] + [
            url for _id, url in scene["topics"]
        ]
        for i in range(args.anonymous):
            threads.append(
                threading.Thread(
                    target=anonymous_loop,
                    args=(Client(port), recorder, anonymous_paths, stop, 1000 + i),
                )
            )
        for thread in threads:
            thread.start()

        def phase(
            name: str, seconds: float, stopping: Any = None, starting: Any = None
        ) -> None:
            # Requests are counted in the phase they end in: a phase that stops
            # a service begins before it is stopped, one that starts a service
            # once it answers again.
            if starting is not None:
                starting()
            recorder.phase = name
            if stopping is not None:
                stopping()
            log(f"{name} ({seconds:.0f} s)")
            stop.wait(seconds)

        phase("before", args.warmup)
        phase("redis down", args.redis_outage, stopping=redis.stop)
        phase("between", args.between, starting=redis.start)
        phase("postgres down", args.postgres_outage, stopping=pg.stop)
        phase("after", args.after, starting=pg.start)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)

        def sql(query: str, *params: Any) -> list[tuple[Any, ...]]:
            import psycopg2  # type: ignore[import-untyped]

            connection = psycopg2.connect(pg.url("hearth"))
            try:
                with connection.cursor() as cursor:
                    cursor.execute(query, params)
                    return list(cursor.fetchall())
            finally:
                connection.close()

        log(f"clients stopped; waiting up to {args.settle} s for the worker to deliver")
        settled = _settle(sql, args.settle)
        log("delivered" if settled else "not everything was delivered in time")
        result = report(
            {"sql": sql, "scene": scene, "mail": mail},
            recorder,
            settled,
            web.log.read_text(errors="replace"),
            worker.log.read_text(errors="replace"),
        )
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2))
        log(f"logs kept in {workdir}")
        ok = (
            settled
            and result["replies"]["accepted but not stored (lost)"] == 0
            and result["notifications"]["duplicate notifications"] == 0
            and result["emails"]["duplicate messages (same recipient and link)"] == 0
        )
        return 0 if ok else 1
    finally:
        stop.set()
        for process in processes:
            process.stop()
        redis.destroy()
        pg.destroy()


def _healthy(port: int) -> bool:
    try:
        return Client(port, timeout=5).get("/healthz").status == 200
    except OSError:
        return False


def _settle(sql: Any, seconds: int) -> bool:
    """Poll (every 2 s, at most *seconds* / 2 times) until nothing is left to deliver."""
    for _ in range(max(1, seconds // 2)):
        [(undispatched, unsettled)] = sql(
            "SELECT (SELECT count(*) FROM notifications_event WHERE dispatched_at IS NULL),"
            " (SELECT count(*) FROM notifications_delivery"
            "  WHERE channel = 'email' AND status IN ('pending', 'sending'))"
        )
        if undispatched == 0 and unsettled == 0:
            return True
        time.sleep(2)
    return False


if __name__ == "__main__":
    sys.exit(main())
