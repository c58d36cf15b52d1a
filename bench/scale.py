"""`make scale-test`: two web nodes behind nginx, a streaming replica, proven together.

Starts, privately on loopback (tests.config.services): a PostgreSQL primary
and a streaming standby made from it with ``pg_basebackup -R`` (a
replication slot keeps the WAL it needs), Redis (cache and broker in two
logical databases), two gunicorn nodes in production settings that read
from the standby (``DATABASE_REPLICA_URLS``), nginx in front of both and a
Celery worker. Then:

1. a member signs in on node A, replies on node B and sees the reply on both;
2. an anonymous visitor's cached topic page on node B drops a post as soon
   as a moderator hides it on node A, even while the standby has paused
   replaying (the page-cache fence sends that render to the primary);
3. a member writes 20 replies, each followed by 5 reads alternating
   between the nodes: 100 reads, none may miss the member's own write;
4. the nodes really read from the standby (its transaction count rises
   while members read), and /healthz on each reports its lag;
5. (``--bench SECONDS``) wrk loads a signed-in topic page through one node,
   then through nginx over both, counting the primary's and the replica's
   transactions; then again with the nodes restarted without a replica;
6. the standby is stopped in the middle of 60 reads through nginx: every
   read answers 200 with the page, and /healthz says "degraded".

Every process it started is stopped on exit, also on Ctrl-C or SIGTERM.
PostgreSQL runs as the ``postgres`` OS user when started as root (initdb
refuses root), in a temporary directory that user owns.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.config import services  # noqa: E402
from tests.config.services import (  # noqa: E402
    Client,
    PostgresCluster,
    Process,
    RedisServer,
    wait_for,
)

PASSWORD = "correct-horse-battery"  # noqa: S105 (tests.factories.PASSWORD, private database)
SLOT = "hearth_replica"

SEED = """
import json
from tests.factories import make_category, make_moderator, make_topic, make_user

category = make_category("Espresso", slug="espresso")
author = make_user("author")
make_user("member")
make_user("reader")
make_moderator(category, "mira")
topic = make_topic(category, author, title="Two nodes, one site", body="Hello from the primary.")
others = [make_topic(category, author, title=f"Grinder notes {i}") for i in range(5)]
print(json.dumps({
    "topic": topic.get_absolute_url(),
    "topic_id": topic.pk,
    "category": category.get_absolute_url(),
    "others": [t.get_absolute_url() for t in others],
}))
"""

NGINX_CONF = """
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream hearth {{
        server 127.0.0.1:{node_a};
        server 127.0.0.1:{node_b};
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 20m;
        location / {{
            proxy_pass http://hearth;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            # TLS ends in front of this test proxy; production sets $scheme.
            proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;
            add_header X-Hearth-Node $upstream_addr always;
        }}
    }}
}}
"""


def log(message: str) -> None:
    sys.stdout.write(f"[scale {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stdout.flush()


class Standby(PostgresCluster):
    """A hot standby streaming from *primary*, made with pg_basebackup -R."""

    def __init__(self, primary: PostgresCluster) -> None:
        super().__init__()
        self.primary = primary

    def init(self) -> None:
        self._run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary.port),
            "-U",
            "postgres",
            "-D",
            str(self.data),
            "-R",  # standby.signal + primary_conninfo
            "-X",
            "stream",
            "-C",
            "-S",
            SLOT,
            "--checkpoint=fast",  # not a spread checkpoint: minutes
            "--no-sync",
        )


class Nginx(Process):
    def __init__(self, workdir: Path, port: int, nodes: tuple[int, int]) -> None:
        self.dir = workdir / "nginx"
        self.dir.mkdir()
        self.dir.chmod(0o777)  # workers run as nobody when we are root
        conf = self.dir / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(dir=self.dir, port=port, node_a=nodes[0], node_b=nodes[1])
        )
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        command = [
            nginx,
            "-p",
            str(self.dir),
            "-c",
            str(conf),
            "-e",
            str(self.dir / "error.log"),
            "-g",
            "daemon off;",
        ]
        super().__init__(command, {}, self.dir / "stdout.log")


class Check:
    """Named checks; the run fails if any fails."""

    def __init__(self) -> None:
        self.results: list[tuple[str, bool, str]] = []

    def __call__(self, name: str, ok: bool, detail: Any = "") -> bool:
        self.results.append((name, bool(ok), str(detail)[:300]))
        log(f"{'ok  ' if ok else 'FAIL'} {name}" + (f" ({detail})" if detail else ""))
        return bool(ok)

    @property
    def passed(self) -> bool:
        return all(ok for _name, ok, _detail in self.results)


def sql(url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    import psycopg2  # type: ignore[import-untyped]

    connection = psycopg2.connect(url, connect_timeout=3)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            return list(cursor.fetchall())
    finally:
        connection.close()


def transactions(url: str) -> int:
    """Transactions PostgreSQL counted for database hearth (pg_stat_database)."""
    [(count,)] = sql(
        url,
        "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'hearth'",
    )
    return int(count)


def sign_in(port: int, username: str) -> Client:
    client = Client(port)
    response = client.login(username, PASSWORD)
    if response.status != 302 or not client.signed_in:
        raise SystemExit(f"{username} could not sign in on :{port} ({response.status})")
    return client


def post_id_of(primary_url: str, marker: str) -> tuple[int, int]:
    [(pk, number)] = sql(
        primary_url,
        "SELECT id, number FROM forum_post WHERE body_source LIKE %s",
        f"%{marker}%",
    )
    return int(pk), int(number)


def location(response: services.Response) -> str:
    """Where a redirect points, path and query (the page number is a query)."""
    parts = urlsplit(response.headers.get("Location", ""))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def hidden(html: str, number: int) -> bool:
    return bool(re.search(rf'id="post-{number}" class="post[^"]*post-hidden', html))


def wrk(url: str, seconds: int, cookie: str, connections: int) -> float:
    out = subprocess.run(  # noqa: S603 (our own arguments)
        [  # noqa: S607 (wrk from the PATH, as bench/run.py)
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-H",
            f"Cookie: {cookie}",
            "-H",
            "X-Forwarded-Proto: https",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        raise SystemExit(f"wrk saw {non_2xx.group(1)} errors on {url}:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        raise SystemExit(f"wrk printed no rate for {url}:\n{out}")
    return float(match.group(1))


class Stack:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.primary = PostgresCluster()
        self.standby = Standby(self.primary)
        self.redis = RedisServer()
        if args.pg_port:
            self.primary.port = args.pg_port
            self.standby.port = args.pg_port + 1
        if args.redis_port:
            self.redis.port = args.redis_port
        nodes = [int(p) for p in args.web_ports.split(",")] if args.web_ports else []
        self.node_ports = (
            nodes[0] if nodes else services.free_port(),
            nodes[1] if len(nodes) > 1 else services.free_port(),
        )
        self.proxy_port = args.proxy_port or services.free_port()
        self.workdir = self.primary.base.parent / f"{self.primary.base.name}-scale"
        self.workdir.mkdir()
        self.processes: list[Process] = []
        self.nodes: list[Process] = []

    @property
    def primary_url(self) -> str:
        return self.primary.url("hearth")

    @property
    def replica_url(self) -> str:
        return self.standby.url("hearth")

    def env(self, port: int, replica: bool = True) -> dict[str, str]:
        mail = self.workdir / "mail"
        mail.mkdir(exist_ok=True)
        extra = {
            "ALLOWED_HOSTS": "127.0.0.1",
            "REPLICA_STICKY_SECONDS": "15",
            "REPLICA_MAX_LAG_SECONDS": "5",
            "SERVE_MEDIA": "false",
            "MEDIA_ROOT": str(self.workdir / "media"),  # shared by both nodes
            "UPLOADS_ROOT": str(self.workdir / "uploads"),
        }
        if replica:
            extra["DATABASE_REPLICA_URLS"] = self.replica_url
        env = services.hearth_env(
            self.primary_url,
            self.redis.url(0),
            self.redis.url(1),
            mail,
            port,
            **extra,
        )
        return env

    def start_nodes(self, replica: bool = True) -> None:
        secret = self.env(0)["SECRET_KEY"]
        self.nodes = []
        for name, port in zip("ab", self.node_ports, strict=True):
            env = self.env(port, replica)
            env["SECRET_KEY"] = secret  # one site: sessions and tokens valid on both
            node = services.gunicorn(
                env, port, self.workdir / f"node-{name}.log", self.args.workers
            )
            node.start()
            self.nodes.append(node)
            self.processes.append(node)
        for port in self.node_ports:
            wait_for(partial(_healthy, port), f"node on :{port}", attempts=900)

    def stop_nodes(self) -> None:
        for node in self.nodes:
            node.stop()
            self.processes.remove(node)
        self.nodes = []

    def start(self) -> dict[str, Any]:
        log(
            f"primary :{self.primary.port}, standby :{self.standby.port}, "
            f"redis :{self.redis.port}, nodes :{self.node_ports[0]} "
            f":{self.node_ports[1]}, nginx :{self.proxy_port}"
        )
        self.primary.init()
        self.primary.start()
        self.primary.create_database("hearth")
        self.redis.start()
        env = self.env(self.node_ports[0], replica=False)
        log("migrating, collecting static files, seeding the primary")
        services.manage(env, "migrate", "--noinput", "-v0")
        services.manage(env, "collectstatic", "--noinput", "-v0")
        scene = json.loads(services.run_django(env, SEED).strip().splitlines()[-1])
        log("pg_basebackup -R: making the standby")
        self.standby.init()
        self.standby.start()
        wait_for(self._streaming, "the standby to stream", attempts=600)
        self.start_nodes()
        worker = services.celery(self.env(0), self.workdir / "worker.log")
        worker.start()
        self.processes.append(worker)
        nginx = Nginx(self.workdir, self.proxy_port, self.node_ports)
        nginx.start()
        self.processes.append(nginx)
        wait_for(lambda: _healthy(self.proxy_port), "nginx", attempts=300)
        wait_for(lambda: "ready." in worker.log.read_text(), "the worker", attempts=900)
        return scene

    def _streaming(self) -> bool:
        try:
            rows = sql(
                self.primary.url("postgres"),
                "SELECT state FROM pg_stat_replication WHERE state = 'streaming'",
            )
        except Exception:
            return False
        return bool(rows)

    def stop(self) -> None:
        for process in reversed(self.processes):
            try:
                process.stop()
            except Exception as exc:  # keep stopping the others
                log(f"could not stop {process.command[0]}: {exc}")
        self.processes = []
        self.standby.destroy()
        self.primary.destroy()
        self.redis.destroy()
        if not self.args.keep_logs:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _healthy(port: int) -> bool:
    try:
        return Client(port, timeout=5).get("/healthz").status == 200
    except OSError:
        return False


def scenario(stack: Stack, scene: dict[str, Any], check: Check) -> dict[str, Any]:
    node_a, node_b = stack.node_ports
    topic = scene["topic"]
    figures: dict[str, Any] = {}

    # 1. Sign in on A, reply on B, see it on both.
    member = sign_in(node_a, "member")
    member.port = node_b
    response = member.post(
        f"/t/{scene['topic_id']}/reply/", {"body": "Posted on node B, signed in on A."}
    )
    check("reply posted on node B (signed in on node A)", response.status == 302)
    check(
        "a write sets the read-your-own-writes cookie",
        "hearth_primary" in member.cookies,
    )
    for port in (node_b, node_a):
        member.port = port
        page = member.get(topic)
        check(
            f"the member sees their reply on node :{port}",
            page.status == 200 and "Posted on node B, signed in on A." in page.text,
        )

    # 2. Anonymous page cached on B; a moderator hides the post on A.
    anonymous = Client(node_b)
    anonymous.get(topic)
    cached = anonymous.get(topic)
    check(
        "node B serves the topic to visitors from the page cache",
        cached.headers.get("X-Hearth-Cache") == "hit"
        and "Posted on node B, signed in on A." in cached.text,
        cached.headers.get("X-Hearth-Cache"),
    )
    post_pk, number = post_id_of(stack.primary_url, "Posted on node B, signed in on A.")
    moderator = sign_in(node_a, "mira")
    # The standby stops replaying (it still receives WAL, and lags less than
    # REPLICA_MAX_LAG_SECONDS for a while): only the fence keeps node B from
    # rendering the page from the copy that still shows the post, and caching it.
    sql(stack.replica_url, "SELECT pg_wal_replay_pause()")
    try:
        response = moderator.post(
            f"/p/{post_pk}/moderate/hide/", {"reason": "Off topic for this thread."}
        )
        check("the moderator hides the reply on node A", response.status == 302)
        after = anonymous.get(topic)
        [(stale,)] = sql(
            stack.replica_url,
            "SELECT NOT is_hidden FROM forum_post WHERE id = %s",
            post_pk,
        )
    finally:
        sql(stack.replica_url, "SELECT pg_wal_replay_resume()")
    check(
        "node B's visitors see the post hidden on the very next request"
        " (while the paused standby still shows it)",
        after.status == 200 and hidden(after.text, number) and stale,
        f"cache {after.headers.get('X-Hearth-Cache')}, standby stale: {stale}",
    )
    again = anonymous.get(topic)
    check(
        "and the page cached then is the hidden one",
        again.headers.get("X-Hearth-Cache") == "hit" and hidden(again.text, number),
    )

    # 3. 20 writes, each followed by 5 reads alternating between the nodes.
    misses = 0
    reads = 0
    for i in range(20):
        member.port = (node_a, node_b)[i % 2]
        marker = f"Own write number {i} stays visible."
        response = member.post(f"/t/{scene['topic_id']}/reply/", {"body": marker})
        if response.status != 302:
            misses += 1
            continue
        where = location(response)  # the post's URL
        for j in range(5):
            member.port = (node_b, node_a)[(i + j) % 2]
            page = member.get(where)
            if page.status in (301, 302):  # the post's URL -> its page
                page = member.get(location(page))
            reads += 1
            if page.status != 200 or marker not in page.text:
                if not misses:
                    log(f"first miss: {where} on :{member.port} -> {page.status}")
                misses += 1
    check(
        "100 reads alternating between nodes right after writes: none missed",
        reads == 100 and misses == 0,
        f"{reads} reads, {misses} missed",
    )

    # 4. Reads really go to the standby; /healthz reports its lag.
    reader = sign_in(stack.proxy_port, "reader")
    reader.cookies.pop("hearth_primary", None)  # as the browser does after 15 s
    before = transactions(stack.replica_url)
    statuses = [reader.get(path).status for path in [topic, *scene["others"], "/"] * 4]
    # pg_stat_database hears of a backend's transactions only when it flushes
    # its statistics, up to 10 s later for a connection left idle (the web
    # nodes keep theirs open): poll, bounded, rather than read once.
    deadline = time.monotonic() + 15
    used = transactions(stack.replica_url) - before
    while used < len(statuses) and time.monotonic() < deadline:
        time.sleep(0.5)
        used = transactions(stack.replica_url) - before
    check(
        "a member who wrote nothing reads from the standby",
        set(statuses) == {200} and used >= len(statuses),
        f"{used} standby transactions for {len(statuses)} pages",
    )
    for port in stack.node_ports:
        body = Client(port).get("/healthz").json()
        lag = body.get("replica_lag_seconds", {}).get("replica1")
        check(
            f"/healthz on :{port} reports the replica's lag",
            body["status"] == "ok" and isinstance(lag, int | float),
            f"lag {lag} s",
        )

    # The worker delivered what the replies emitted (before any load figures).
    def delivered() -> bool:
        [(left,)] = sql(
            stack.primary_url,
            "SELECT count(*) FROM notifications_event WHERE dispatched_at IS NULL",
        )
        return int(left) == 0

    try:
        wait_for(delivered, "the worker to dispatch every event", attempts=600)
        check("the Celery worker dispatched every event", True)
    except AssertionError as exc:
        check("the Celery worker dispatched every event", False, exc)

    # 5. Optional load figures.
    if stack.args.bench:
        figures = bench(stack, scene, reader)

    # 6. The standby stops in the middle of 60 reads through nginx.
    reader.cookies.pop("hearth_primary", None)
    anonymous = Client(stack.proxy_port)
    failures: list[str] = []
    pages = [(topic, "Two nodes, one site"), (scene["category"], "Grinder notes 4")]
    pages += [("/", "Grinder notes 4")]
    pages += [(path, "Grinder notes") for path in scene["others"]]
    standby_before = transactions(stack.replica_url)
    for i in range(60):
        if i == 20:
            # The standby's statistics hear of transactions late (see above):
            # poll, bounded, rather than read once.
            deadline = time.monotonic() + 15
            used = transactions(stack.replica_url) - standby_before
            while used < 10 and time.monotonic() < deadline:
                time.sleep(0.5)
                used = transactions(stack.replica_url) - standby_before
            check("the first 20 reads went to the standby", used >= 10, used)
            log("stopping the standby")
            stack.standby.stop()
        path, expected = pages[i % len(pages)]
        who, client = ("member", reader) if i % 2 else ("visitor", anonymous)
        if who == "visitor":
            path += f"?r={i}"  # a page-cache miss: rendered from a database
        try:
            page = client.get(path)
        except OSError as exc:
            failures.append(f"{who} {path}: {type(exc).__name__}")
            continue
        if page.status != 200 or expected not in page.text:
            failures.append(f"{who} {path}: {page.status}")
    check(
        "standby stopped after 20 of 60 reads: every read answered 200",
        not failures,
        "; ".join(failures[:5]),
    )
    for port in stack.node_ports:
        response = Client(port).get("/healthz")
        body = response.json()
        check(
            f"/healthz on :{port} says degraded, replica1 down, still 200",
            response.status == 200
            and body["status"] == "degraded"
            and body["down"] == ["replica1"],
            body.get("checks", {}).get("replica1", ""),
        )

    tracebacks = {
        path.name: path.read_text(errors="replace").count("Traceback")
        for path in stack.workdir.glob("node-*.log")
    }
    check("no traceback in either node's log", not any(tracebacks.values()), tracebacks)

    return figures


def bench(stack: Stack, scene: dict[str, Any], reader: Client) -> dict[str, Any]:
    """Pages per second through one node and through nginx over two, and
    the primary's transactions with and without the replica."""
    seconds, connections = stack.args.bench, stack.args.connections
    cookie = f"sessionid={reader.cookies['sessionid']}"
    path = scene["topic"]
    figures: dict[str, Any] = {"seconds": seconds, "connections": connections}

    def measure(label: str, port: int) -> None:
        primary_before = transactions(stack.primary_url)
        try:
            replica_before: int | None = transactions(stack.replica_url)
        except Exception:
            replica_before = None
        rate = wrk(f"http://127.0.0.1:{port}{path}", seconds, cookie, connections)
        primary = transactions(stack.primary_url) - primary_before
        replica = (
            transactions(stack.replica_url) - replica_before
            if replica_before is not None
            else 0
        )
        figures[label] = {
            "pages_per_second": round(rate, 1),
            "primary_transactions_per_page": round(primary / (rate * seconds), 2),
            "replica_transactions_per_page": round(replica / (rate * seconds), 2),
        }
        log(f"{label}: {figures[label]}")

    # Twice each, alternating, so a neighbour's load on the shared machine
    # weighs on both settings alike.
    for round_ in (1, 2):
        for replica in (False, True):
            label = "replica" if replica else "no replica"
            log(f"round {round_}: nodes restarted, {label}")
            stack.stop_nodes()
            stack.start_nodes(replica=replica)
            measure(f"{round_}: one node, {label}", stack.node_ports[0])
            measure(f"{round_}: two nodes behind nginx, {label}", stack.proxy_port)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-port", type=int, default=0, help="primary (standby: +1)")
    parser.add_argument("--redis-port", type=int, default=0)
    parser.add_argument("--web-ports", default="", help="two ports, comma-separated")
    parser.add_argument("--proxy-port", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers/node")
    parser.add_argument("--bench", type=int, default=0, help="wrk seconds per figure")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--keep-logs", action="store_true")
    parser.add_argument("--json", help="also write the checks and figures here")
    args = parser.parse_args()

    reason = services.missing_binaries()
    if (
        not reason
        and shutil.which("nginx") is None
        and not Path("/usr/sbin/nginx").exists()
    ):
        reason = "needs nginx (apt-get install nginx)"
    if not reason and args.bench and shutil.which("wrk") is None:
        reason = "--bench needs wrk (apt-get install wrk)"
    if reason:
        log(f"cannot run: {reason}")
        return 2

    def interrupted(signum: int, _frame: Any) -> None:
        raise SystemExit(f"interrupted by signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    stack = Stack(args)
    check = Check()
    started = time.monotonic()
    figures: dict[str, Any] = {}
    try:
        scene = stack.start()
        log(f"everything answers after {time.monotonic() - started:.0f} s")
        figures = scenario(stack, scene, check)
    except BaseException as exc:
        check("the scenario ran to the end", False, f"{type(exc).__name__}: {exc}")
        if not isinstance(exc, Exception | SystemExit):
            raise
    finally:
        if args.keep_logs:
            log(f"logs kept in {stack.workdir}")
        elif not check.passed:
            for path in sorted(stack.workdir.glob("**/*.log")):
                tail = path.read_text(errors="replace")[-3000:]
                sys.stdout.write(f"--- {path.name} (tail)\n{tail}\n")
        stop = threading.Thread(target=stack.stop)
        stop.start()
        stop.join(timeout=120)
    elapsed = time.monotonic() - started
    result = {
        "checks": [{"name": n, "ok": ok, "detail": d} for n, ok, d in check.results],
        "figures": figures,
        "seconds": round(elapsed),
    }
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    if figures:
        sys.stdout.write(json.dumps(figures, indent=2) + "\n")
    passed = sum(ok for _n, ok, _d in check.results)
    log(f"{passed}/{len(check.results)} checks passed in {elapsed:.0f} s")
    return 0 if check.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
