"""Atom feeds: latest topics, per category, per topic. Anonymous visibility:
a feed reader has no session, so feeds show only what anyone may read."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from forum.markup import excerpt
from forum.models import Category, Post, Topic
from permissions import policy
from permissions.policy import Perm

FEED_SIZE = 30
ANONYMOUS = AnonymousUser()


def public_feed_url(obj: Category | Topic) -> str:
    """The address of *obj*'s Atom feed, or "" when that feed is a 404.

    Feeds are read without a session, so a page links to its feed only when
    the policy lets an anonymous visitor read *obj*: the very check the feed
    itself makes (CategoryFeed / TopicFeed.get_object). A restricted category,
    a hidden topic shown to its author, a topic in a restricted category: no
    link.
    """
    if isinstance(obj, Category):
        if policy.can(ANONYMOUS, Perm.VIEW_CATEGORY, obj):
            return reverse("forum:feed_category", args=[obj.slug])
        return ""
    if policy.can(ANONYMOUS, Perm.VIEW_TOPIC, obj):
        return reverse("forum:feed_topic", args=[obj.pk])
    return ""


class _TopicsFeed(Feed):
    feed_type = Atom1Feed

    def item_title(self, item: Topic) -> str:
        return item.title

    def item_description(self, item: Topic) -> str:
        first = item.first_post
        if first is None or first.deleted_at is not None or first.is_hidden:
            return ""  # a deleted or hidden first post keeps its text off feeds
        return excerpt(first.body_html, 400)

    def item_link(self, item: Topic) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Topic) -> datetime:
        return item.created_at

    def item_updateddate(self, item: Topic) -> datetime:
        return item.last_posted_at

    def item_author_name(self, item: Topic) -> str:
        return item.author_name

    def _topics(self, topics: QuerySet[Topic]) -> list[Topic]:
        return list(
            policy.visible_topics(ANONYMOUS, topics)
            .select_related("first_post")
            .order_by("-created_at")[:FEED_SIZE]
        )


class LatestTopicsFeed(_TopicsFeed):
    title = "Latest topics"
    subtitle = "New topics in the community"

    def link(self) -> str:
        return reverse("forum:latest")

    def items(self) -> list[Topic]:
        return self._topics(Topic.objects.all())


class CategoryFeed(_TopicsFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Category:
        category = get_object_or_404(
            Category.objects.select_related("parent"), slug=slug
        )
        policy.require(ANONYMOUS, Perm.VIEW_CATEGORY, category)
        return category

    def title(self, obj: Category) -> str:
        return f"{obj.name}: latest topics"

    def link(self, obj: Category) -> str:
        return obj.get_absolute_url()

    def items(self, obj: Category) -> list[Topic]:
        return self._topics(
            Topic.objects.filter(category__in=[obj, *obj.children.all()])
        )


class TopicFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, topic_id: int) -> Topic:
        topic = get_object_or_404(
            Topic.objects.select_related("category__parent"), pk=topic_id
        )
        policy.require(ANONYMOUS, Perm.VIEW_TOPIC, topic)
        return topic

    def title(self, obj: Topic) -> str:
        return obj.title

    def link(self, obj: Topic) -> str:
        return obj.get_absolute_url()

    def items(self, obj: Topic) -> list[Post]:
        return list(
            Post.objects.filter(topic=obj, deleted_at__isnull=True, is_hidden=False)
            .select_related("topic")
            .order_by("-number")[:FEED_SIZE]
        )

    def item_title(self, item: Post) -> str:
        return f"#{item.number} by {item.author_name}"

    def item_description(self, item: Post) -> str:
        return excerpt(item.body_html, 600)

    def item_link(self, item: Post) -> str:
        return item.topic.get_post_url(item.number)

    def item_pubdate(self, item: Post) -> datetime:
        return item.created_at

    def item_author_name(self, item: Post) -> str:
        return item.author_name
