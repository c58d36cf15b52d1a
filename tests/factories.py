"""Small factory functions for tests. Content is created through the actions,
so counters and snapshots are what real use produces."""

from __future__ import annotations

import itertools
from typing import Any

from allauth.account.models import EmailAddress

from accounts.models import Brand, CommunityGroup, GroupMembership, User
from accounts.roles import Role, TrustLevel
from forum import actions
from forum.models import Category, CategoryKind, Post, Tag, Topic
from moderation.models import ModeratorAssignment

_counter = itertools.count(1)
PASSWORD = "correct-horse-battery"


def make_user(
    username: str | None = None,
    *,
    role: str = Role.MEMBER,
    trust_level: int = TrustLevel.MEMBER,
    verified: bool = True,
    **fields: Any,
) -> User:
    n = next(_counter)
    username = username or f"user{n}"
    user = User.objects.create_user(
        username=username,
        email=fields.pop("email", f"{username}@example.com"),
        password=PASSWORD,
        role=role,
        trust_level=trust_level,
        **fields,
    )
    if verified:
        EmailAddress.objects.create(
            user=user, email=user.email, verified=True, primary=True
        )
    return user


def make_brand(name: str = "Brevetto") -> Brand:
    return Brand.objects.get_or_create(
        slug=name.lower(),
        defaults={"name": name, "support_url": "https://support.example/"},
    )[0]


def make_brand_rep(username: str | None = None, **fields: Any) -> User:
    return make_user(username, role=Role.BRAND_REP, brand=make_brand(), **fields)


def make_admin(username: str | None = None) -> User:
    return make_user(username, role=Role.ADMIN, is_staff=True)


def make_moderator(category: Category, username: str | None = None) -> User:
    user = make_user(username, trust_level=TrustLevel.REGULAR)
    ModeratorAssignment.objects.create(user=user, category=category)
    return user


def make_group(name: str = "Beta testers", members: list[User] = ()) -> CommunityGroup:  # type: ignore[assignment]
    group = CommunityGroup.objects.create(
        name=name, slug=name.lower().replace(" ", "-")
    )
    for member in members:
        GroupMembership.objects.create(group=group, user=member)
    return group


def make_category(
    name: str | None = None, *, kind: str = CategoryKind.DISCUSSION, **fields: Any
) -> Category:
    n = next(_counter)
    name = name or f"Category {n}"
    return Category.objects.create(
        name=name, slug=fields.pop("slug", f"category-{n}"), kind=kind, **fields
    )


def make_tag(name: str) -> Tag:
    return Tag.objects.get_or_create(slug=name, defaults={"name": name})[0]


def make_topic(
    category: Category | None = None,
    author: User | None = None,
    *,
    title: str | None = None,
    body: str | None = None,
    replies: int = 0,
    **kwargs: Any,
) -> Topic:
    category = category or make_category()
    author = author or make_user()
    topic = actions.create_topic(
        author,
        category,
        title=title or f"A topic about things {next(_counter)}",
        body=body or f"The opening post of this topic ({next(_counter)}).",
        **kwargs,
    )
    for i in range(replies):
        actions.reply_to_topic(
            make_user() if i % 2 else author, topic, body=f"Reply {i}"
        )
    topic.refresh_from_db()
    return topic


def make_post(
    topic: Topic | None = None, author: User | None = None, body: str | None = None
) -> Post:
    topic = topic or make_topic()
    body = body or f"A reply ({next(_counter)})."
    return actions.reply_to_topic(author or make_user(), topic, body=body)
