"""The demo community's content, read from the TOML files in ``demo/``.

The content is data, not code: ``demo/community.toml`` (brand, people,
groups, categories), ``demo/topics/<category>.toml`` (topics and their
replies, seeded in the order of the categories), ``demo/insights.toml``,
``demo/ideas.toml`` and ``demo/polls.toml``. Features add their own
``demo/<feature>.toml`` and read it with :func:`read`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

DEMO_DIR: Path = Path(settings.BASE_DIR) / "demo"


def read(name: str) -> dict[str, Any]:
    """One file of ``demo/`` (e.g. ``"community.toml"``), parsed."""
    with (DEMO_DIR / name).open("rb") as handle:
        return tomllib.load(handle)


@dataclass(frozen=True)
class DemoContent:
    community_name: str
    thermo_chart_url: str
    brand: dict[str, Any]
    people: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    categories: list[dict[str, Any]]
    topics: list[dict[str, Any]]
    insights_topics: list[dict[str, Any]]
    ideas: list[dict[str, Any]]
    poll_categories: list[str]
    polls: list[dict[str, Any]]


def _category_slugs(categories: list[dict[str, Any]]) -> list[str]:
    slugs: list[str] = []
    for category in categories:
        slugs.append(category["slug"])
        slugs.extend(child["slug"] for child in category.get("children", []))
    return slugs


def _topics(slugs: list[str]) -> list[dict[str, Any]]:
    """Every file of demo/topics/ in category order; the file names the category."""
    files = {path.stem: path for path in (DEMO_DIR / "topics").glob("*.toml")}
    unknown = sorted(set(files) - set(slugs))
    if unknown:
        raise ValueError(f"demo/topics/ has files for unknown categories: {unknown}")
    topics: list[dict[str, Any]] = []
    for slug in slugs:
        if slug in files:
            data = read(f"topics/{slug}.toml")
            topics.extend({**topic, "category": slug} for topic in data["topics"])
    return topics


@cache
def load() -> DemoContent:
    community = read("community.toml")
    polls = read("polls.toml")
    return DemoContent(
        community_name=community["name"],
        thermo_chart_url=community["thermo_chart_url"],
        brand=community["brand"],
        people=community["people"],
        groups=community["groups"],
        categories=community["categories"],
        topics=_topics(_category_slugs(community["categories"])),
        insights_topics=read("insights.toml")["topics"],
        ideas=read("ideas.toml")["ideas"],
        poll_categories=polls["poll_categories"],
        polls=polls["polls"],
    )
