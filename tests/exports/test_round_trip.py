"""export_forum writes what import_forum reads: export, import into an empty
database, export again, and the files are byte-identical (issue 24).

One test database; "an empty database" is the same one emptied with
``flush`` (and the importer's bookkeeping table, which has no model) between
the steps, inside the test's transaction, so nothing leaks into other tests.
"""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from bench.dataset import generate
from exports.models import ExportJob, ExportStatus
from forum.importer import Importer
from forum.models import Post, Topic
from ideas.models import IdeaDecision, IdeaVote
from moderation.models import ModerationAction
from tests.exports.helpers import empty_the_database

pytestmark = pytest.mark.django_db


def _export(directory: Path) -> dict[str, bytes]:
    out = StringIO()
    call_command("export_forum", str(directory), stdout=out)
    assert "Exported" in out.getvalue()
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def _import(directory: Path) -> None:
    report = Importer(directory, progress=False, workers=1, batch_size=500).run()
    assert report.problems == []


def _assert_identical(first: dict[str, bytes], second: dict[str, bytes]) -> None:
    assert sorted(first) == sorted(second)
    for name in first:
        assert first[name] == second[name], f"{name} differs after the round trip"


def test_demo_round_trip_is_byte_identical(client, tmp_path):
    call_command("seed_demo", stdout=StringIO())
    answered = Topic.objects.filter(
        category__restricted_to__isnull=True, posts__author_role="brand_rep"
    ).first()
    title, n_posts = answered.title, answered.posts.count()
    # The demo's admin finds a finished export to download in the admin.
    client.force_login(User.objects.get(username="admin"))
    listing = client.get(reverse("admin:exports_exportjob_changelist"))
    assert listing.status_code == 200
    job = ExportJob.objects.get(status=ExportStatus.DONE)
    assert job.get_download_url() in listing.content.decode()
    assert client.get(job.get_download_url()).status_code == 200
    client.logout()
    public_posts = Post.objects.filter(
        topic__category__restricted_to__isnull=True,
        topic__is_hidden=False,
        topic__deleted_at__isnull=True,
        deleted_at__isnull=True,
        removed_at__isnull=True,
        pending_review=False,
    ).count()
    first = _export(tmp_path / "first")

    empty_the_database()
    _import(tmp_path / "first")
    second = _export(tmp_path / "second")

    _assert_identical(first, second)
    manifest = json.loads(first["manifest.json"])
    assert manifest["version"] == 2
    records = {f["name"]: f["records"] for f in manifest["files"]}
    # The whole public community made it, with what members see on it.
    assert records["posts.jsonl"] == public_posts > 200
    assert records["revisions.jsonl"] >= public_posts
    assert IdeaVote.objects.count() == records["idea_votes.jsonl"] > 0
    assert IdeaDecision.objects.count() == records["idea_decisions.jsonl"] > 0
    assert ModerationAction.objects.count() == records["moderation_log.jsonl"] > 0
    # The private beta lab (a group's category) stays out.
    assert b"beta-lab" not in first["categories.jsonl"]
    # A public export carries no e-mail address.
    assert b"@example" not in first["users.jsonl"]
    assert not User.objects.exclude(email="").exists()
    # The imported community reads like the original: the brand
    # representative's answer keeps its brand label.
    again = Topic.objects.get(title=title)
    assert again.posts.count() == n_posts
    brand = again.posts.filter(author_brand__isnull=False).first().author_brand
    page = client.get(again.get_absolute_url())
    assert page.status_code == 200
    assert brand.name in page.content.decode()


def test_generated_dataset_round_trip_is_byte_identical(tmp_path):
    generate(tmp_path / "generated", scale=0.01)
    _import(tmp_path / "generated")
    first = _export(tmp_path / "first")

    empty_the_database()
    _import(tmp_path / "first")
    second = _export(tmp_path / "second")

    _assert_identical(first, second)
    meta = json.loads((tmp_path / "generated" / "meta.json").read_text())
    manifest = json.loads(first["manifest.json"])
    records = {f["name"]: f["records"] for f in manifest["files"]}
    assert records["posts.jsonl"] == meta["counts"]["posts"]
    assert records["users.jsonl"] == meta["counts"]["users"]
    likes = sum(
        len(json.loads(line)["likes"]) for line in first["posts.jsonl"].splitlines()
    )
    assert likes == meta["counts"]["likes"]


def test_a_newer_format_is_refused(tmp_path):
    _export(tmp_path / "export")
    manifest = tmp_path / "export" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["version"] = 99
    manifest.write_text(json.dumps(data))
    out, err = StringIO(), StringIO()
    with pytest.raises(Exception, match="format version 99"):
        call_command("import_forum", str(tmp_path / "export"), stdout=out, stderr=err)
