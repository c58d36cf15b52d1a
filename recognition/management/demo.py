"""Demo data for peers first and recognition (issue 17), from demo/peers.toml.

``seed(now)`` runs after the main demo is loaded: it adds three questions
(one routed by the peer-first task because nobody answered it in time, one
answered by peers within the window, one a moderator routed), a brand
confirmation of a member's answer, and computes everyone's awards. It goes
through the actions members use; only the dates are set back afterwards.
"""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings

from accounts.models import Brand, User
from forum import actions
from forum.models import Category, Post, PostRevision, Topic
from recognition import actions as recognition_actions

DATA = Path(settings.BASE_DIR) / "demo" / "peers.toml"


def _backdate(topic: Topic, stamps: dict[int, datetime]) -> None:
    for number, stamp in stamps.items():
        Post.objects.filter(topic=topic, number=number).update(created_at=stamp)
        PostRevision.objects.filter(post__topic=topic, post__number=number).update(
            created_at=stamp
        )
    Topic.objects.filter(pk=topic.pk).update(
        created_at=stamps[1], last_posted_at=max(stamps.values())
    )


def _question(
    data: dict[str, Any], people: dict[str, User], now: datetime
) -> tuple[Topic, list[Post]]:
    author = people[data["author"]]
    category = Category.objects.get(slug=data["category"])
    topic = actions.create_topic(
        author, category, title=data["title"], body=data["body"].strip()
    )
    started = now - timedelta(hours=data["hours_ago"])
    stamps = {1: started}
    replies: list[Post] = []
    for reply in data.get("replies", []):
        post = actions.reply_to_topic(
            people[reply["author"]], topic, body=reply["body"].strip()
        )
        stamps[post.number] = min(started + timedelta(hours=reply["hours_after"]), now)
        replies.append(post)
    for post, reply in zip(replies, data.get("replies", []), strict=True):
        for name in reply.get("likes", []):
            actions.like_post(people[name], post)
    if data.get("accepted") is not None:
        actions.accept_answer(author, replies[data["accepted"]])
    _backdate(topic, stamps)
    topic.refresh_from_db()
    return topic, replies


def seed(now: datetime) -> str:
    """Load demo/peers.toml; return a one-line summary."""
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    names = {
        name
        for q in data["questions"]
        for name in [q["author"], q.get("routed_by", "")]
        + [r["author"] for r in q.get("replies", [])]
        + [n for r in q.get("replies", []) for n in r.get("likes", [])]
        if name
    }
    people = {user.username: user for user in User.objects.filter(username__in=names)}
    rep = User.objects.select_related("brand").get(username="rep")
    brand = rep.brand
    if brand is None:
        raise Brand.DoesNotExist("the demo representative has no brand")
    confirmed = 0
    for question in data["questions"]:
        topic, replies = _question(question, people, now)
        if question.get("routed_by"):
            actions.route_to_brand(
                people[question["routed_by"]],
                topic,
                brand,
                note=question.get("route_note", ""),
            )
        if question.get("confirm") is not None:
            recognition_actions.confirm_answer(
                rep, replies[question["confirm"]], note=question.get("confirm_note", "")
            )
            confirmed += 1
    ran_at = now - timedelta(hours=data.get("peer_first_ran_hours_ago", 0))
    routed = actions.route_unanswered_questions(ran_at)
    granted, _revoked = recognition_actions.recompute_awards(None)
    return (
        f"Peers first: {routed} question(s) routed after the peer-first window, "
        f"{confirmed} answer(s) confirmed by {brand.name}, {granted} awards computed."
    )
