"""bench/dataset.py, the project's generator of forum exports: deterministic,
in the documented import format, and runnable on its own."""

import json
import subprocess
import sys
from pathlib import Path

from bench import dataset
from forum.importer import FIELDS

ROOT = Path(__file__).resolve().parents[2]

# SHA256SUMS of the scale 0.002 dataset with the default seed. It changes only
# when the generator draws differently: then bump dataset.DEFAULT_SEED too.
TINY_SUMS = """\
45fcc38c41412d1eea3b397f621bc77763af6f358da1cf4f7e02440bcc5e4088  categories.jsonl
874af69e4af2dd7cd641a9e80c46faecbad0fe0e14b5adbb917de54b9dd1d6d4  users.jsonl
83902d61b2e6c8b12c578e44509c1adf9c5237c1def1f3ebf2059c820834bcd4  topics.jsonl
0c067baca7361860acc6c1f786d9e877ae906a549a29ad3a812a518b070140cc  posts.jsonl
65249e2cb0da16efee9394a46ecfc9b9c85bcdd498c58ac62936d681759a120a  meta.json
"""


def test_same_seed_and_scale_give_the_same_bytes(tmp_path):
    dataset.generate(tmp_path / "a", scale=0.002)
    dataset.generate(tmp_path / "b", scale=0.002)

    assert (tmp_path / "a" / "SHA256SUMS").read_text() == TINY_SUMS
    for name in [*dataset.FILES, "meta.json", "SHA256SUMS"]:
        assert (tmp_path / "a" / name).read_bytes() == (
            tmp_path / "b" / name
        ).read_bytes()


def test_another_seed_gives_another_forum(tmp_path):
    dataset.generate(tmp_path / "a", scale=0.002)
    dataset.generate(tmp_path / "b", scale=0.002, seed=dataset.DEFAULT_SEED + 1)

    assert (tmp_path / "a" / "posts.jsonl").read_bytes() != (
        tmp_path / "b" / "posts.jsonl"
    ).read_bytes()


def test_records_have_the_importers_required_fields_and_dense_ids(tmp_path):
    meta = dataset.generate(tmp_path, scale=0.002)
    kinds = {
        "categories.jsonl": "category",
        "users.jsonl": "user",
        "topics.jsonl": "topic",
        "posts.jsonl": "post",
    }

    for name, kind in kinds.items():
        records = [json.loads(line) for line in (tmp_path / name).open()]
        assert [r["id"] for r in records] == list(range(1, len(records) + 1))
        for record in records:
            for field, types in FIELDS[kind].items():
                assert isinstance(record[field], types), (name, field)
        if kind != "category":
            assert len(records) == meta["counts"][kind + "s"]
    posts = [json.loads(line) for line in (tmp_path / "posts.jsonl").open()]
    topics = [json.loads(line) for line in (tmp_path / "topics.jsonl").open()]
    per_topic: dict[int, list[int]] = {}
    for post in posts:
        per_topic.setdefault(post["topic_id"], []).append(post["position"])
    assert {t["id"]: t["post_count"] for t in topics} == {
        tid: len(positions) for tid, positions in per_topic.items()
    }
    assert all(sorted(p) == list(range(1, len(p) + 1)) for p in per_topic.values())
    assert meta["topic_size"]["max"] == dataset.GIANT_SIZES[0]


def test_the_largest_topic_grows_with_the_scale_above_one():
    """Scale 10's largest topic has 15,000 posts (issue 21); scale 1 and below
    keep 1,500, so their pages are measured as before."""
    assert dataset.giant_sizes(0.1) == [1500]
    assert dataset.giant_sizes(1) == dataset.GIANT_SIZES
    at_ten = dataset.giant_sizes(10)
    assert at_ten[0] == 15000
    assert len(at_ten) == 40
    assert at_ten[1:4] == dataset.GIANT_SIZES[1:]


def test_command_line_needs_only_the_standard_library(tmp_path):
    """CI and `make bench` run it as a script; -S -E: no site-packages, no
    environment (no Django, no virtualenv)."""
    result = subprocess.run(
        [
            sys.executable,
            "-S",
            "-E",
            str(ROOT / "bench" / "dataset.py"),
            "--scale",
            "0.002",
            "--out",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )

    assert (tmp_path / "SHA256SUMS").read_text() == TINY_SUMS
    assert json.loads(result.stdout.split("\n}\n")[0] + "\n}")["counts"]["posts"] > 0
