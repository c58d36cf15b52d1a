"""The demo's rules and moderation history (demo/moderation.toml).

Everything goes through the moderators' own actions (hide, lock, move,
appeal, decide, flag), so the public log, the tombstones, the transparency
page and the review queue show what real use would; each step is then dated
``days_ago`` in the past, with the rows it wrote.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from forum.management.demo_data import read
from forum.models import Category, Post, Topic
from moderation.actions import appeals as appeal_actions
from moderation.actions import flags as flag_actions
from moderation.actions import posts as post_actions
from moderation.actions import topics as topic_actions
from moderation.models import Appeal, AuditEntry, Flag, ModerationAction, Rule
from notifications.models import Event


def _topic(title: str) -> Topic:
    return Topic.objects.select_related("category__parent").get(title=title)


def _post(data: dict[str, Any]) -> Post:
    """The post *data* names: its author's first post in the topic, or the
    one that contains data["contains"]."""
    posts = Post.objects.select_related("topic__category__parent", "author").filter(
        topic=_topic(data["topic"]), author__username=data["author"]
    )
    if "contains" in data:
        posts = posts.filter(body_source__contains=data["contains"])
    post = posts.order_by("number").first()
    if post is None:
        raise ValueError(f"demo/moderation.toml: no post for {data}")
    return post


def _dated(since: datetime, when: datetime) -> None:
    """Move the rows written since *since* to *when*."""
    ModerationAction.objects.filter(created_at__gte=since).update(created_at=when)
    ModerationAction.objects.filter(reversed_at__gte=since).update(reversed_at=when)
    Appeal.objects.filter(created_at__gte=since).update(created_at=when)
    Appeal.objects.filter(decided_at__gte=since).update(decided_at=when)
    Flag.objects.filter(created_at__gte=since).update(created_at=when)
    Post.objects.filter(hidden_at__gte=since).update(hidden_at=when)
    AuditEntry.objects.filter(created_at__gte=since).update(created_at=when)
    Event.objects.filter(created_at__gte=since).update(created_at=when)


def _act(data: dict[str, Any], people: dict[str, User], rule: Rule) -> ModerationAction:
    actor = people[data["moderator"]]
    kind = data["kind"]
    if kind == "hide":
        post = _post(data)
        post_actions.hide_post(actor, post, rule=rule, reason=data["reason"])
        return ModerationAction.objects.filter(post=post).latest("pk")
    topic = _topic(data["topic"])
    if kind == "lock":
        topic_actions.lock_topic(actor, topic, rule=rule, reason=data["reason"])
    elif kind == "move":
        destination = Category.objects.get(slug=data["to"])
        topic_actions.move_topic(
            actor, topic, category=destination, rule=rule, reason=data["reason"]
        )
    else:
        raise ValueError(f"demo/moderation.toml: unknown action kind {kind!r}")
    return ModerationAction.objects.filter(topic=topic, post__isnull=True).latest("pk")


def seed(now: datetime) -> str:
    data = read("moderation.toml")
    people = {user.username: user for user in User.objects.all()}
    rules = {
        rule["number"]: Rule.objects.create(
            number=rule["number"], title=rule["title"], description=rule["description"]
        )
        for rule in data["rules"]
    }
    appeals = 0
    for item in data["actions"]:
        since = timezone.now()
        action = _act(item, people, rules[item["rule"]])
        _dated(since, now - timedelta(days=item["days_ago"]))
        if (appeal_data := item.get("appeal")) is not None:
            action.refresh_from_db()
            appellant = people[action.target_user.username]  # type: ignore[union-attr]
            since = timezone.now()
            appeal = appeal_actions.appeal_action(
                appellant, action, statement=appeal_data["statement"]
            )
            _dated(since, now - timedelta(days=appeal_data["days_ago"]))
            since = timezone.now()
            appeal_actions.decide_appeal(
                people[appeal_data["decided_by"]],
                appeal,
                uphold=appeal_data["uphold"],
                reason=appeal_data["reason"],
            )
            _dated(since, now - timedelta(days=appeal_data["decided_days_ago"]))
            appeals += 1
    for flag in data["flags"]:
        since = timezone.now()
        flag_actions.flag_post(
            people[flag["flagger"]],
            _post(flag),
            kind=flag["kind"],
            message=flag.get("message", ""),
        )
        _dated(since, now - timedelta(days=flag["days_ago"]))
    return (
        f"moderation: {len(rules)} rules, {len(data['actions'])} actions, "
        f"{appeals} appeals, {len(data['flags'])} open flags"
    )
