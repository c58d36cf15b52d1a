"""Demo data for community groups (demo/groups.toml), seeded by seed_demo.

Join policies, terms and end dates are the admin's settings, written here as
the admin would; applications and recommendations go through the same
actions members and representatives use.
"""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from accounts.models import CommunityGroup, User
from forum.models import Category
from groups import actions
from groups.models import ExpertRoute

DATA = Path(__file__).resolve().parents[2] / "demo" / "groups.toml"


def seed(now: datetime) -> str:
    """Configure the demo's groups and file the waiting application; return
    a one-line summary."""
    data: dict[str, Any] = tomllib.loads(DATA.read_text())
    for spec in data.get("group", []):
        group = CommunityGroup.objects.get(slug=spec["slug"])
        group.join_policy = spec["join_policy"]
        group.description = spec.get("description", group.description)
        group.questions = "\n".join(spec.get("questions", []))
        group.terms = spec.get("terms", "")
        group.mentionable = spec.get("mentionable", False)
        group.mention_policy = spec.get("mention_policy", group.mention_policy)
        if "ends_in_days" in spec:
            group.ends_at = now + timedelta(days=spec["ends_in_days"])
        group.save()
        for slug in spec.get("expert_categories", []):
            ExpertRoute.objects.create(
                group=group, category=Category.objects.get(slug=slug)
            )
    applications = 0
    for spec in data.get("application", []):
        group = CommunityGroup.objects.get(slug=spec["group"])
        applicant = User.objects.get(username=spec["applicant"])
        application = actions.apply_to_group(
            applicant, group, answers=spec["answers"], accept_terms=True, now=now
        )
        applications += 1
        if spec.get("recommended_by"):
            actions.recommend_applicant(
                User.objects.get(username=spec["recommended_by"]),
                application,
                note=spec.get("recommendation", ""),
            )
    groups = len(data.get("group", []))
    return f"Groups configured ({groups}), applications waiting ({applications})."
