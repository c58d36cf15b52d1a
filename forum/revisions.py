"""Public edit history: each revision with a line diff against the one before."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from forum.models import PostRevision


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "added", "removed", "same"
    text: str


@dataclass(frozen=True)
class RevisionView:
    revision: PostRevision
    title_changed_from: str
    lines: list[DiffLine]


def revision_diffs(revisions: list[PostRevision]) -> list[RevisionView]:
    """Newest first; the first revision shows its whole text as added."""
    views: list[RevisionView] = []
    previous: PostRevision | None = None
    for revision in revisions:
        old = previous.body_source.splitlines() if previous else []
        new = revision.body_source.splitlines()
        lines: list[DiffLine] = []
        for line in difflib.ndiff(old, new):
            tag, text = line[:2], line[2:]
            if tag == "+ ":
                lines.append(DiffLine("added", text))
            elif tag == "- ":
                lines.append(DiffLine("removed", text))
            elif tag == "  ":
                lines.append(DiffLine("same", text))
        title_from = ""
        if (
            previous
            and previous.title
            and revision.title
            and previous.title != revision.title
        ):
            title_from = previous.title
        views.append(RevisionView(revision, title_from, lines))
        previous = revision
    views.reverse()
    return views
