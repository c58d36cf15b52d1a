"""An administrator exports the community from the admin site: start a job,
a worker builds it with its progress recorded, and the archive downloads and
imports cleanly. Nobody else may start one or download it."""

import io
import zipfile

import pytest
from django.urls import reverse

from exports.models import ExportJob, ExportStatus
from forum.importer import Importer
from forum.models import Post
from tests.exports.helpers import empty_the_database
from tests.factories import (
    make_admin,
    make_brand_rep,
    make_moderator,
    make_post,
    make_topic,
    make_user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]
START = reverse("admin:exports_exportjob_add")
LIST = reverse("admin:exports_exportjob_changelist")


@pytest.fixture
def eager_tasks():
    """Run the export task in the test's process (CI's Redis has no worker
    for this test database)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def community(category):
    author = make_user("writer")
    topic = make_topic(category=category, author=author, title="Descaling the boiler")
    make_post(topic=topic, author=make_user("helper"), body="Citric acid, 2 %.")
    return topic


def _start(client) -> ExportJob:
    response = client.post(START)
    assert response.status_code == 302
    assert response["Location"] == LIST
    return ExportJob.objects.get()


def test_admin_starts_an_export_and_downloads_an_archive_that_imports(
    client, community, django_capture_on_commit_callbacks, tmp_path
):
    admin = make_admin("root")
    client.force_login(admin)
    page = client.get(START)
    assert page.status_code == 200
    assert "Start the export" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):  # the task runs eagerly
        job = _start(client)

    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    assert job.requested_by == admin
    assert job.rows_written == job.rows_total > 0
    listing = client.get(LIST).content.decode()
    assert "100 %" in listing
    assert job.get_download_url() in listing

    response = client.get(job.get_download_url())
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    data = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert "hearth-export/manifest.json" in names
        assert "hearth-export/posts.jsonl" in names
        archive.extractall(tmp_path)
    posts = (tmp_path / "hearth-export" / "posts.jsonl").read_text()
    assert "Citric acid, 2 %." in posts

    # The archive imports cleanly into an empty database.
    empty_the_database()
    report = Importer(tmp_path / "hearth-export", progress=False, workers=1).run()
    assert report.problems == []
    post = Post.objects.get(body_source="Citric acid, 2 %.")
    assert client.get(post.topic.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("kind", ["member", "moderator", "brand_rep"])
def test_only_administrators_start_or_download_exports(
    client, kind, category, community, django_capture_on_commit_callbacks
):
    admin = make_admin("root")
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        job = _start(client)
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE

    someone = {
        "member": lambda: make_user("someone"),
        "moderator": lambda: make_moderator(category, "someone"),
        "brand_rep": lambda: make_brand_rep("someone"),
    }[kind]()
    client.force_login(someone)
    assert client.get(job.get_download_url()).status_code == 403
    # The admin sends non-staff visitors to its login page and starts nothing.
    for response in (client.get(START), client.post(START), client.get(LIST)):
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
    assert ExportJob.objects.count() == 1


def test_anonymous_download_goes_to_login(client, community):
    response = client.get(reverse("exports:download", args=[1]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_job_is_built_once(client, community, django_capture_on_commit_callbacks):
    from exports.actions import build_export

    client.force_login(make_admin("root"))
    with django_capture_on_commit_callbacks(execute=True):
        job = _start(client)
    job.refresh_from_db()
    name = job.archive_name
    again = build_export(job.pk)
    assert again is not None
    assert (again.status, again.archive_name) == (ExportStatus.DONE, name)
