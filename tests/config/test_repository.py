"""A clone of the repository alone builds, tests and explains itself: nothing
refers to files outside it, and the documentation's links lead somewhere."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".git", ".venv", "node_modules", "var", "__pycache__", "screenshots"}
TEXT = {".py", ".md", ".toml", ".txt", ".html", ".yml", ".yaml", ".cfg", ".lua", ".sh"}
NAMED = {"Makefile", "Dockerfile", "run"}
# The brief's documents and generator, outside the repository: their content now
# lives in docs/ and bench/dataset.py.
OUTSIDE = re.compile(r"\.\./shared|\b(DESIGN|STYLE)\.md\b|shared/bench")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s#]+)(#[^)\s]*)?\)")


def repository_files() -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*")
        if path.is_file()
        and not SKIP.intersection(path.relative_to(ROOT).parts)
        and (path.suffix in TEXT or path.name in NAMED)
    ]


def test_nothing_refers_to_files_outside_the_repository():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in repository_files()
        if path != Path(__file__).resolve()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]

    assert offenders == []


def test_documentation_links_lead_to_files_in_the_repository():
    documents = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    broken = []
    for document in documents:
        for target, _anchor in MARKDOWN_LINK.findall(document.read_text()):
            if re.match(r"^[a-z]+:", target):  # https:, mailto:
                continue
            resolved = (document.parent / target).resolve()
            if not resolved.exists() or not resolved.is_relative_to(ROOT):
                broken.append(f"{document.relative_to(ROOT)} -> {target}")

    assert broken == []


def test_readme_leads_to_the_architecture_and_the_import_format():
    readme = (ROOT / "README.md").read_text()

    assert "(docs/architecture.md)" in readme
    assert "(docs/import-format.md)" in readme
    for heading in ("## Layers", "## Roles", "## Transparency"):
        assert heading in (ROOT / "docs" / "architecture.md").read_text()
