"""Measure the fan-out of one reply to N watchers (what a worker does).

Creates N members watching a scratch topic, posts one reply, and times
dispatch_event for it — the whole worker-side fan-out: recipients, mute and
visibility filtering, bulk inserts of notifications and delivery rows.
Everything it created is deleted afterwards (unless --keep).
"""

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, reset_queries, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from config.celery import app as celery_app
from forum import actions
from forum.models import Category
from notifications.models import (
    Delivery,
    Event,
    EventKind,
    Notification,
    TopicWatch,
    WatchLevel,
)
from notifications.tasks import dispatch_event


class Command(BaseCommand):
    help = "Time the notification fan-out of one reply to N watchers."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--watchers", type=int, default=10_000)
        parser.add_argument(
            "--keep", action="store_true", help="Keep the scratch data."
        )

    def handle(self, *args: Any, watchers: int, keep: bool, **options: Any) -> None:
        prefix = f"bench{int(time.time())}"
        category = Category.objects.create(name=prefix, slug=prefix)
        author = User.objects.create_user(prefix, f"{prefix}@example.com", role="admin")
        replier = User.objects.create_user(
            f"{prefix}r", f"{prefix}r@example.com", role="admin"
        )
        try:
            started = time.perf_counter()
            people = User.objects.bulk_create(
                [
                    User(username=f"{prefix}-{i}", email=f"{prefix}-{i}@example.com")
                    for i in range(watchers)
                ],
                batch_size=2000,
            )
            topic = actions.create_topic(
                author, category, title="Fan-out benchmark topic", body="Watch this."
            )
            TopicWatch.objects.bulk_create(
                [
                    TopicWatch(user=p, topic=topic, level=WatchLevel.WATCHING)
                    for p in people
                ],
                batch_size=2000,
            )
            setup = time.perf_counter() - started
            Event.objects.filter(topic=topic).update(
                dispatched_at="2000-01-01T00:00:00Z"
            )
            with transaction.atomic():
                actions.reply_to_topic(replier, topic, body="One reply, many watchers.")
            event = Event.objects.get(topic=topic, kind=EventKind.POST_CREATED)
            # Without a broker the reply's event was dispatched in-process at
            # commit; undo that so the timed run does the whole fan-out.
            Delivery.objects.filter(event=event).delete()
            Notification.objects.filter(event=event).delete()
            Event.objects.filter(pk=event.pk).update(dispatched_at=None, attempts=0)

            # Time what the worker does for this event. Emails it queues go to
            # an in-memory queue here: sending them is measured elsewhere.
            eager = celery_app.conf.task_always_eager
            celery_app.conf.task_always_eager = False
            try:
                reset_queries()
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    dispatch_event(event.pk)
                    elapsed = time.perf_counter() - started
            finally:
                celery_app.conf.task_always_eager = eager
            delivered = Notification.objects.filter(event=event).count()
            emails = Delivery.objects.filter(event=event, channel="email").count()
            self.stdout.write(
                f"database: {connection.vendor}\n"
                f"watchers: {watchers}\n"
                f"setup: {setup:.2f} s\n"
                f"fan-out: {elapsed:.3f} s for {delivered} notifications "
                f"({delivered / elapsed if elapsed else 0:,.0f}/s)\n"
                f"email deliveries queued: {emails}\n"
                f"SQL statements in the fan-out: {len(queries.captured_queries)}"
            )
        finally:
            if not keep:
                topic_ids = list(category.topics.values_list("pk", flat=True))
                Event.objects.filter(topic_id__in=topic_ids).delete()
                category.topics.all().delete()
                category.delete()
                User.objects.filter(username__startswith=prefix).delete()
