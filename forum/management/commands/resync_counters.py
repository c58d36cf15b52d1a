"""Recompute the denormalized counters from the rows they summarize.

Actions keep counters in step as they go; this repairs them after an import,
a manual database edit or a bug, the way Misago's synchronize_* commands do.
"""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Count, IntegerField, Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from forum.models import Category, Like, Post, Tag, Topic


def _count(queryset: Any) -> Coalesce:
    return Coalesce(
        Subquery(
            queryset.annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


class Command(BaseCommand):
    help = "Recompute topic, category and tag counters and last-post pointers."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            posts = Post.objects.filter(topic=OuterRef("pk")).order_by().values("topic")
            last = Post.objects.filter(
                topic=OuterRef("pk"), deleted_at__isnull=True
            ).order_by("-number")
            Topic.objects.update(
                last_post_number=Coalesce(
                    Subquery(posts.annotate(m=Max("number")).values("m")[:1]), Value(0)
                ),
                reply_count=Coalesce(
                    Subquery(
                        posts.filter(number__gt=1, deleted_at__isnull=True)
                        .annotate(n=Count("pk"))
                        .values("n")[:1]
                    ),
                    Value(0),
                ),
                like_count=_count(
                    Like.objects.filter(post__topic=OuterRef("pk"))
                    .order_by()
                    .values("post__topic")
                ),
                first_post=Subquery(
                    Post.objects.filter(topic=OuterRef("pk"), number=1).values("pk")[:1]
                ),
                last_post=Subquery(last.values("pk")[:1]),
            )
            Post.objects.update(
                like_count=_count(
                    Like.objects.filter(post=OuterRef("pk")).order_by().values("post")
                )
            )
            live_topics = Topic.objects.filter(deleted_at__isnull=True)
            for category in Category.objects.all():
                topics = live_topics.filter(category=category)
                newest = topics.order_by("-last_posted_at").first()
                Category.objects.filter(pk=category.pk).update(
                    topic_count=topics.count(),
                    post_count=Post.objects.filter(
                        topic__in=topics, deleted_at__isnull=True
                    ).count(),
                    last_topic=newest,
                    last_posted_at=newest.last_posted_at if newest else None,
                )
            Tag.objects.update(
                topic_count=_count(
                    Topic.objects.filter(tags=OuterRef("pk"), deleted_at__isnull=True)
                    .order_by()
                    .values("tags")
                )
            )
        self.stdout.write(self.style.SUCCESS("Counters recomputed."))
