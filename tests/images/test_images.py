"""Images from other sites: fetched once by a task, served from Hearth.

Every fetch goes to a real HTTP server started by the test on 127.0.0.1
(IMAGES_ALLOW_PRIVATE_ADDRESSES on, as only tests may); with the setting off
the same server proves that refused addresses are never even connected to.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from PIL import Image

from accounts.roles import TrustLevel
from forum import actions
from forum.models import Post
from images import tasks
from images.actions import _enqueue
from images.fetch import FetchError, fetch
from images.models import RemoteImage
from tests import factories

pytestmark = pytest.mark.django_db

Route = tuple[int, dict[str, str], bytes]


def png(
    size: tuple[int, int] = (40, 30), colour: tuple[int, int, int] = (200, 40, 40)
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (64, 48), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x0131] = "secret-software"  # Software
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


class ImageServer:
    """A real HTTP server in a thread; routes map paths to responses."""

    def __init__(self) -> None:
        self.routes: dict[str, Route | Callable[[], Route]] = {}
        self.hits: list[str] = []
        self.connections = 0
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits.append(self.path)
                route = server.routes.get(self.path)
                headers: dict[str, str]
                if route is None:
                    status, headers, body = 404, {}, b"not found"
                elif callable(route):
                    status, headers, body = route()
                else:
                    status, headers, body = route
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def get_request(self) -> Any:
                server.connections += 1
                return super().get_request()

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def image(self, path: str, body: bytes, content_type: str = "image/png") -> str:
        self.routes[path] = (200, {"Content-Type": content_type}, body)
        return self.url(path)

    def stalled(self) -> Route:
        """Answer only when the test ends: the fetcher must give up first."""
        self.release.wait(30)
        return 200, {"Content-Type": "image/png"}, png()

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[ImageServer]:
    running = ImageServer()
    yield running
    running.close()


@pytest.fixture
def allow_local(settings: Any) -> Any:
    settings.IMAGES_ALLOW_PRIVATE_ADDRESSES = True
    settings.IMAGES_FETCH_TIMEOUT = 2
    return settings


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Callable[[], Any]:
    return lambda: django_capture_on_commit_callbacks(execute=True)


def write_reply(topic: Any, author: Any, body: str, committed: Any) -> Post:
    with committed():
        return actions.reply_to_topic(author, topic, body=body)


def localize(post: Post) -> Post:
    tasks.localize_post_images(post.pk)
    post.refresh_from_db()
    return post


# --- The happy path --------------------------------------------------------------------


def test_a_png_is_stored_and_the_post_shows_the_local_copy(
    client, allow_local, server, topic, member, committed
):
    url = server.image("/cat.png", png((40, 30)))
    with committed() as callbacks:
        post = actions.reply_to_topic(member, topic, body=f"Look: ![a cat]({url})")
    page_before = client.get(topic.get_absolute_url()).content.decode()

    assert len(callbacks) >= 1
    assert "<img" not in post.body_html
    assert f'<a class="remote-image" href="{url}"' in post.body_html
    assert f'<a class="remote-image" href="{url}"' in page_before
    assert server.hits == []

    post = localize(post)

    image = RemoteImage.objects.get()
    assert image.status == RemoteImage.Status.STORED
    assert (image.width, image.height, image.content_type) == (40, 30, "image/png")
    local = f"/images/{image.sha256}.png"
    assert f'<img src="{local}" alt="a cat" width="40" height="30" loading="lazy">' in (
        post.body_html
    )
    assert url not in post.body_html
    assert "a cat" in post.body_text
    # The cached anonymous page was dropped: visitors see the copy at once.
    page_after = client.get(topic.get_absolute_url()).content.decode()
    assert f'src="{local}"' in page_after
    assert f"127.0.0.1:{server.port}" not in page_after
    served = client.get(local)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in served["Cache-Control"]
    assert "max-age=31536000" in served["Cache-Control"]
    assert "Content-Security-Policy" in served
    with Image.open(io.BytesIO(b"".join(served.streaming_content))) as copy:
        assert copy.size == (40, 30)
    assert server.hits == ["/cat.png"]


def test_a_jpeg_is_re_encoded_without_its_metadata(
    allow_local, server, topic, member, committed
):
    url = server.image("/photo.jpg", jpeg_with_exif(), "image/jpeg")
    post = localize(write_reply(topic, member, f"![photo]({url})", committed))

    image = RemoteImage.objects.get()
    assert image.status == RemoteImage.Status.STORED
    assert image.content_type == "image/jpeg"
    assert f'src="/images/{image.sha256}.jpg"' in post.body_html
    with default_storage.open(image.storage_name) as stored:
        data = stored.read()
    assert b"SpyCam" not in data
    assert b"secret-software" not in data
    with Image.open(io.BytesIO(data)) as copy:
        assert copy.size == (64, 48)
        assert not copy.getexif()


def test_the_same_image_in_two_posts_is_fetched_and_stored_once(
    allow_local, server, topic, member, other_member, committed
):
    url = server.image("/logo.png", png())
    same_bytes = server.image("/mirror/logo.png", png())
    first = localize(write_reply(topic, member, f"![logo]({url})", committed))
    second = localize(
        write_reply(
            topic,
            other_member,
            f"Same ![logo]({url}) ![again]({same_bytes})",
            committed,
        )
    )
    # Running the task again changes nothing and fetches nothing.
    localize(second)

    assert server.hits == ["/logo.png", "/mirror/logo.png"]
    rows = RemoteImage.objects.all()
    assert rows.count() == 2
    assert len({row.sha256 for row in rows}) == 1
    stored = rows[0].storage_name
    files = default_storage.listdir(stored.rsplit("/", 1)[0])[1]
    assert files == [stored.rsplit("/", 1)[1]]
    local = f'src="/images/{rows[0].sha256}.png"'
    assert local in first.body_html
    assert second.body_html.count(local) == 2


def test_an_edit_adding_an_image_gets_it_copied(
    allow_local, server, topic, member, committed
):
    post = write_reply(topic, member, "No picture yet.", committed)
    url = server.image("/later.png", png())

    with committed():
        actions.edit_post(member, post, body=f"Now with ![a picture]({url})")
    post = localize(post)

    assert 'src="/images/' in post.body_html


# --- Images that stay links ------------------------------------------------------------


def _redirect_chain(server: ImageServer, length: int) -> str:
    for hop in range(length):
        server.routes[f"/hop{hop}"] = (302, {"Location": f"/hop{hop + 1}"}, b"")
    server.image(f"/hop{length}", png())
    return server.url("/hop0")


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("oversize", "too_large"),
        ("oversize_without_length", "too_large"),
        ("html", "content_type"),
        ("text_said_to_be_png", "format"),
        ("broken_png", "broken"),
        ("too_many_pixels", "too_many_pixels"),
        ("svg", "content_type"),
        ("too_many_redirects", "too_many_redirects"),
        ("not_found", "status"),
        ("timeout", "timeout"),
    ],
)
def test_an_image_that_cannot_be_copied_stays_a_plain_link(
    allow_local, server, topic, member, committed, case, code
):
    allow_local.IMAGES_MAX_BYTES = 50_000
    allow_local.IMAGES_MAX_PIXELS = 1_000_000
    big = png((1200, 1200), (1, 2, 3)) + b"\0" * 60_000
    if case == "oversize":
        url = server.image("/big.png", big)
    elif case == "oversize_without_length":
        # No Content-Length to trust: the limit holds while reading.
        server.routes["/big.png"] = lambda: (200, {"Content-Type": "image/png"}, big)
        url = server.url("/big.png")
    elif case == "html":
        url = server.image("/page", b"<html>hello</html>", "text/html")
    elif case == "text_said_to_be_png":
        url = server.image("/fake.png", b"this is not a picture", "image/png")
    elif case == "broken_png":
        url = server.image("/broken.png", png((300, 300))[:200])
    elif case == "too_many_pixels":
        url = server.image("/huge.png", png((1001, 1000)))
    elif case == "svg":
        url = server.image("/x.svg", b"<svg onload='alert(1)'/>", "image/svg+xml")
    elif case == "too_many_redirects":
        url = _redirect_chain(server, 4)
    elif case == "not_found":
        url = server.url("/missing.png")
    else:
        allow_local.IMAGES_FETCH_TIMEOUT = 0.5
        server.routes["/slow.png"] = server.stalled
        url = server.url("/slow.png")

    post = localize(write_reply(topic, member, f"![the picture]({url})", committed))

    image = RemoteImage.objects.get()
    assert image.status == RemoteImage.Status.FAILED
    assert image.error.startswith(code + ":"), image.error
    assert "<img" not in post.body_html
    assert f'<a class="remote-image" href="{url}"' in post.body_html
    assert ">the picture</a>" in post.body_html
    assert default_storage.exists("images") is False or not any(
        default_storage.listdir("images")
    )
    # Fetched once: a failure is not retried by the next post.
    hits = len(server.hits)
    localize(write_reply(topic, member, f"Again ![the picture]({url})", committed))
    assert len(server.hits) == hits


def test_redirects_within_the_limit_are_followed(
    allow_local, server, topic, member, committed
):
    url = _redirect_chain(server, 3)

    post = localize(write_reply(topic, member, f"![hop]({url})", committed))

    assert 'src="/images/' in post.body_html
    assert server.hits == ["/hop0", "/hop1", "/hop2", "/hop3"]


# --- Addresses that are never contacted ---------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "2130706433",  # 127.0.0.1 written as one number
        "10.1.2.3",
        "172.16.0.5",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 (a host to refuse, not a bind)
        "[::1]",
        "[::ffff:127.0.0.1]",
        "[fe80::1]",
        "[fd00::1]",
    ],
)
def test_private_addresses_are_refused_without_a_connection(settings, server, host):
    settings.IMAGES_ALLOW_PRIVATE_ADDRESSES = False

    with pytest.raises(FetchError) as refused:
        fetch(
            f"http://{host}:{server.port}/cat.png",
            max_bytes=10_000,
            timeout=2,
            content_types={"image/png"},
        )

    assert refused.value.code == "refused_address"
    assert server.connections == 0


def test_a_post_cannot_make_the_server_reach_inside(
    settings, server, topic, member, committed
):
    settings.IMAGES_ALLOW_PRIVATE_ADDRESSES = False
    url = server.image("/internal.png", png())

    post = localize(write_reply(topic, member, f"![x]({url})", committed))

    assert RemoteImage.objects.get().error.startswith("refused_address:")
    assert f'<a class="remote-image" href="{url}"' in post.body_html
    assert server.connections == 0


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/x.png",
        "http://user:pw@example.org/x.png",
        "http:///x.png",
        "http://example.org:99999/x.png",
    ],
)
def test_odd_urls_are_refused(url):
    with pytest.raises(FetchError) as refused:
        fetch(url, max_bytes=10, timeout=1, content_types={"image/png"})

    assert refused.value.code == "bad_url"


# --- Around the fetch -------------------------------------------------------------------------


def test_unknown_images_are_404(client):
    assert client.get("/images/" + "0" * 64 + ".png").status_code == 404
    assert client.get("/images/../../etc/passwd").status_code == 404


def test_a_remote_image_still_counts_as_an_image_for_new_members(topic, committed):
    newcomer = factories.make_user("newbie", trust_level=TrustLevel.NEW)
    two = "![a](https://a.example/a.png) ![b](https://b.example/b.png)"

    with pytest.raises(ValidationError) as refused:
        write_reply(topic, newcomer, two, committed)

    assert "image" in str(refused.value)
    post = write_reply(topic, newcomer, "One ![a](https://a.example/a.png)", committed)
    assert post.pk


def test_posts_without_images_from_other_sites_enqueue_nothing(
    topic, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as plain:
        actions.reply_to_topic(member, topic, body="Just words.")
    with django_capture_on_commit_callbacks() as pictured:
        actions.reply_to_topic(member, topic, body="![x](https://x.example/x.png)")

    assert len(pictured) == len(plain) + 1
    assert [getattr(c, "func", None) for c in pictured].count(_enqueue) == 1


def test_an_image_already_copied_is_shown_from_the_copy_at_write_time(
    allow_local, server, topic, member, other_member, committed
):
    url = server.image("/known.png", png())
    localize(write_reply(topic, member, f"![known]({url})", committed))

    with committed() as callbacks:
        post = actions.reply_to_topic(other_member, topic, body=f"![known]({url})")
    tasks_enqueued = [c for c in callbacks if getattr(c, "func", None) is _enqueue]

    image = RemoteImage.objects.get()
    assert f'src="/images/{image.sha256}.png"' in post.body_html
    assert tasks_enqueued == []
    assert server.hits == ["/known.png"]


def test_the_demo_shows_its_chart_from_hearth_without_the_network(client):
    from django.core.management import call_command

    from forum.management.demo_data import load

    call_command("seed_demo", stdout=io.StringIO())

    post = Post.objects.get(topic__title__startswith="I logged Duo group", number=1)
    image = RemoteImage.objects.get(url=load().thermo_chart_url)
    assert image.status == RemoteImage.Status.STORED
    assert f'<img src="/images/{image.sha256}.png" alt="Chart: brew' in post.body_html
    assert "images.example.org" not in post.body_html
    assert client.get(f"/images/{image.sha256}.png").status_code == 200


def test_https_certificates_are_verified(tmp_path, server):
    """A site whose certificate is not trusted is refused: connecting to the
    checked address does not turn off TLS verification."""
    import ssl
    import subprocess

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server.httpd.socket = context.wrap_socket(server.httpd.socket, server_side=True)
    server.image("/secure.png", png())

    with pytest.raises(FetchError) as refused:
        fetch(
            f"https://127.0.0.1:{server.port}/secure.png",
            max_bytes=100_000,
            timeout=2,
            content_types={"image/png"},
            allow_private=True,
        )

    assert refused.value.code == "connection"
    assert "CERTIFICATE_VERIFY_FAILED" in str(refused.value)


def test_a_redirect_to_a_raw_non_ascii_path_is_followed(allow_local, server):
    # A Location with a raw "é" (sent as Latin-1 by http.server) is
    # percent-encoded into a valid request line instead of crashing.
    server.routes["/raw"] = (302, {"Location": "/café.png"}, b"")
    server.image("/caf%C3%A9.png", png())

    fetched = fetch(
        server.url("/raw"),
        max_bytes=100_000,
        timeout=2,
        content_types={"image/png"},
        allow_private=True,
    )

    assert fetched.content_type == "image/png"
    assert server.hits == ["/raw", "/caf%C3%A9.png"]


def test_code_that_looks_like_a_remote_image_is_not_one(topic, member, committed):
    newcomer = factories.make_user("newbie", trust_level=TrustLevel.NEW)
    body = '`<a class="remote-image" href="x">` and `<span class="remote-image">`'

    post = write_reply(topic, newcomer, body, committed)

    from forum.limits import count_images
    from forum.markup import has_remote_images

    assert not has_remote_images(post.body_html)
    assert count_images(post.body_html) == 0
