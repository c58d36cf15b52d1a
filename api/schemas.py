"""The API's response shapes: ninja builds the OpenAPI document from them."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema


class Error(Schema):
    detail: str


class CategoryOut(Schema):
    id: int
    slug: str
    name: str
    description: str
    kind: str
    parent: str | None
    restricted_to_group: str | None
    topic_count: int
    post_count: int
    last_posted_at: datetime | None
    url: str


class CategoryList(Schema):
    items: list[CategoryOut]


class TopicOut(Schema):
    id: int
    title: str
    slug: str
    category: str
    author: str
    created_at: datetime
    last_posted_at: datetime
    reply_count: int
    like_count: int
    is_pinned: bool
    is_locked: bool
    is_closed: bool
    is_hidden: bool
    is_solved: bool
    idea_status: str
    tags: list[str]
    url: str


class TopicPage(Schema):
    items: list[TopicOut]
    next_cursor: str | None


class PostOut(Schema):
    id: int
    number: int
    author: str
    author_username: str | None
    author_role: str
    author_brand: str | None
    created_at: datetime
    edited_at: datetime | None
    like_count: int
    is_official_answer: bool
    is_accepted_answer: bool
    state: str
    hide_reason: str | None
    body_html: str | None
    body_markdown: str | None
    url: str


class PostPage(Schema):
    topic: TopicOut
    items: list[PostOut]
    next_cursor: str | None


class ProfileOut(Schema):
    username: str
    name: str
    role: str
    brand: str | None
    trust_level: int | None
    bio: str
    joined: datetime
    groups: list[str]
    helped: int
    accepted_answers: int
    url: str


class AppealOut(Schema):
    status: str
    decided_at: datetime | None
    decided_by: str | None
    reason: str | None


class LogEntryOut(Schema):
    id: int
    created_at: datetime
    kind: str
    actor_alias: str
    actor_role: str
    actor_name: str | None
    category: str | None
    topic_id: int | None
    topic_title: str | None
    post_number: int | None
    member: str | None
    rule: str
    reason: str
    reversed_at: datetime | None
    appeal: AppealOut | None


class LogPage(Schema):
    items: list[LogEntryOut]
    next_cursor: str | None


class HealthColumn(Schema):
    key: str
    label: str
    unit: str


class HealthRow(Schema):
    month: date
    values: list[float | int | None]


class HealthTable(Schema):
    key: str
    title: str
    columns: list[HealthColumn]
    rows: list[HealthRow]


class HealthOut(Schema):
    category: str | None
    computed_at: datetime | None
    tables: list[HealthTable]
