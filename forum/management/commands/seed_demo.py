"""Load the demo community (the TOML files in demo/) once.

Everything is written through the same actions members use, so counters,
revisions, read state and events are what real use would produce; only the
timestamps are moved into the past afterwards so the demo looks lived-in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Brand, CommunityGroup, GroupMembership, User
from accounts.roles import Role, TrustLevel
from api.management import demo as api_demo
from config.celery import app as celery_app
from conversations.management import demo as conversations_demo
from elsewhere.management import demo as elsewhere_demo
from exports.management import demo as exports_demo
from forum import actions
from forum.management import demo_moderation
from forum.management.demo_data import load as load_demo
from forum.models import Category, Post, PostRevision, Tag, Topic
from groups.management import demo as groups_demo
from health import compute as health_compute  # community health (issue 16)
from ideas import actions as ideas_actions
from ideas.models import Idea, IdeaDecision, IdeaVote
from images.actions import store_copy
from insights.actions import send_weekly_reports
from moderation.models import ModeratorAssignment
from notifications.models import Delivery, Event, Notification
from notifications.tasks import dispatch_event
from polls import actions as poll_actions
from privacy.management import demo as privacy_demo
from recognition.management import demo as peers_demo
from support.management import demo as support_demo
from uploads.management import demo as uploads_demo

DEMO_PASSWORD = "hearth-demo"  # noqa: S105 (printed for people trying the demo)
LOGINS = ["member", "mod", "rep", "admin"]


class Command(BaseCommand):
    help = "Load a demo community (once) and print the demo logins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even if the database already has categories.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if Category.objects.exists() and not options["force"]:
            self.stdout.write(
                "Demo data is already loaded (categories exist); nothing to do."
            )
            self._print_logins()
            return
        self.stdout.write("Loading the demo community from demo/ ...")
        started = timezone.now()
        try:
            with _events_held_back(), transaction.atomic():
                self._load()
        except ValidationError as exc:
            raise CommandError(f"Demo content was rejected: {exc}") from exc
        self._step("notifying (in-app only) ...")
        notified = _notify_in_app_only()
        unread = _settle_notifications(started)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo community loaded ({notified} in-app notifications, "
                f"{unread} unread)."
            )
        )
        # Community health (issue 16): the demo's figures, so
        # /community/health/ shows them at once (beat recomputes nightly).
        health_rows = health_compute.compute()
        self.stdout.write(f"Community health computed ({health_rows} rows).")
        self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write("Demo logins (username / password):")
        roles = dict(
            User.objects.filter(username__in=LOGINS).values_list("username", "role")
        )
        for username in LOGINS:
            if username in roles:
                self.stdout.write(
                    f"  {username:<8} / {DEMO_PASSWORD}   ({_describe(username)})"
                )

    def _load(self) -> None:
        now = timezone.now()
        demo = load_demo()
        # Pictures "from other sites" in the demo posts are drawn here and
        # kept as their copies, so seeding needs no network (images app).
        store_copy(demo.thermo_chart_url, _thermo_chart())
        brand_data = demo.brand
        brand = Brand.objects.create(
            name=brand_data["name"],
            slug=brand_data["slug"],
            colour=brand_data["colour"],
            support_url=brand_data["support_url"],
            description=brand_data["description"],
        )

        people: dict[str, User] = {}
        for index, person in enumerate(demo.people):
            people[person["username"]] = self._create_person(person, brand, now, index)

        groups: dict[str, CommunityGroup] = {}
        for group_data in demo.groups:
            group = CommunityGroup.objects.create(
                slug=group_data["slug"],
                name=group_data["name"],
                description=group_data["description"],
                flair=group_data.get("flair", group_data["name"])[:30],
            )
            GroupMembership.objects.bulk_create(
                GroupMembership(group=group, user=people[name])
                for name in group_data["members"]
            )
            groups[group.slug] = group

        categories: dict[str, Category] = {}
        position = 0
        for data in demo.categories:
            position += 1
            parent = self._create_category(data, None, groups, position)
            categories[parent.slug] = parent
            for child_data in data.get("children", []):
                position += 1
                child = self._create_category(child_data, parent, groups, position)
                categories[child.slug] = child

        moderators = [p for p in demo.people if p["role"] == "moderator"]
        top_level = [c for c in categories.values() if c.parent_id is None]
        for person in moderators:
            for category in top_level:
                ModeratorAssignment.objects.create(
                    user=people[person["username"]], category=category
                )

        tag_names = sorted({tag for topic in demo.topics for tag in topic["tags"]})
        Tag.objects.bulk_create(Tag(name=name, slug=name) for name in tag_names)
        self._step(
            f"{len(people)} people, {len(groups)} groups, {len(categories)} categories"
        )

        for number, topic_data in enumerate(demo.topics, start=1):
            self._create_topic(topic_data, people, categories, now)
            if number % 10 == 0 or number == len(demo.topics):
                self._step(f"topics {number}/{len(demo.topics)}")
        self._brand_activity(people, brand)
        self._idea_activity(people, brand, categories, now)
        self._step(f"ideas: votes and decisions on {len(demo.ideas)} ideas")
        # insights: recurring questions and recent peer help, then this week's
        # listening report (in-app for the demo representatives; no email)
        for topic_data in demo.insights_topics:
            self._create_topic(topic_data, people, categories, now)
        send_weekly_reports(now)
        self._step("insights: recurring questions and this week's report")
        self._polls(people, categories)
        self._step(f"{len(demo.polls)} polls")
        self._step(demo_moderation.seed(now))
        # Elsewhere in the community (issue 19): listed communities and links.
        self._step(elsewhere_demo.seed(now))
        # groups: join policies, a beta's terms and end, an expert route, an
        # application waiting for the moderators (demo/groups.toml)
        self._step(groups_demo.seed(now))
        self._step(peers_demo.seed(now))  # peers first, recognition (issue 17)
        self._step(support_demo.seed(now))  # support: desk, status history
        self._step(conversations_demo.seed(now))  # private conversations
        self._step(uploads_demo.seed(now))  # uploads: a reply with a photo
        self._step(api_demo.seed(now))  # API token, a webhook and its deliveries
        self._step(privacy_demo.seed(now))  # your data: a ready archive
        self._step(exports_demo.seed(now))  # last: an export of all of the above

    def _step(self, message: str) -> None:
        """One line of progress, so seeding never sits silent."""
        self.stdout.write(f"  {message}")
        self.stdout.flush()

    def _brand_activity(self, people: dict[str, User], brand: Brand) -> None:
        """An open ask-the-brand request and an escalation, so the queue and
        the labels have something to show."""
        rep = people["rep"]
        unanswered = (
            Topic.objects.filter(category__kind="questions", is_solved=False)
            .exclude(posts__author_role="brand_rep")
            .select_related("category__parent", "author")
            .order_by("-last_posted_at")
            .first()
        )
        if unanswered is not None and unanswered.author is not None:
            actions.ask_brand(
                unanswered.author,
                unanswered,
                brand,
                note="Is this a known issue with this model?",
            )
        criticism = (
            Topic.objects.filter(title__icontains="burr alignment")
            .select_related("category__parent")
            .first()
        )
        if criticism is not None:
            actions.escalate_to_support(
                rep,
                criticism,
                note="Our service team will check the alignment and replace the carrier if needed.",
            )

    # --- Ideas board (ideas app) ----------------------------------------------------

    def _idea_activity(
        self,
        people: dict[str, User],
        brand: Brand,
        categories: dict[str, Category],
        now: Any,
    ) -> None:
        """Votes, the decision owners and their decisions: one idea shipped,
        one in progress, one under review and one overdue for a response."""
        admin = people["admin"]
        ideas_actions.name_decision_owner(admin, people["rep"], brand)
        ideas_actions.name_decision_owner(
            admin, admin, brand, categories.get("site-feedback")
        )
        voters = [
            person
            for person in people.values()
            if person.role == Role.MEMBER and not person.is_banned
        ]
        for data in load_demo().ideas:
            topic = (
                Topic.objects.select_related("category__parent")
                .filter(title=data["title"])
                .first()
            )
            if topic is None:
                continue
            for voter in voters[: data["votes"]]:
                ideas_actions.vote(voter, topic)
            for name in data.get("staff_votes", []):
                ideas_actions.vote(people[name], topic)
            IdeaVote.objects.filter(topic=topic).update(
                created_at=now - timedelta(days=data["votes_days_ago"])
            )
            Idea.objects.filter(pk=topic.pk, threshold_reached_at__isnull=False).update(
                threshold_reached_at=now - timedelta(days=data["votes_days_ago"])
            )
            for decision in data.get("decisions", []):
                made = ideas_actions.decide(
                    people[decision["owner"]],
                    topic,
                    status=decision["status"],
                    rationale=decision["rationale"],
                )
                when = now - timedelta(days=decision["days_ago"])
                IdeaDecision.objects.filter(pk=made.pk).update(created_at=when)
                Idea.objects.filter(pk=topic.pk).update(last_response_at=when)
            if data.get("announced"):
                Idea.objects.filter(pk=topic.pk).update(
                    due_notified_at=now - timedelta(days=data["votes_days_ago"])
                )

    def _polls(self, people: dict[str, User], categories: dict[str, Category]) -> None:
        """Polls app: categories that allow polls, a concept poll from the
        brand in an ideas category and a member's poll, with votes."""
        Category.objects.filter(slug__in=load_demo().poll_categories).update(
            allow_polls=True
        )
        for data in load_demo().polls:
            category = Category.objects.select_related("parent").get(
                slug=data["category"]
            )
            topic = poll_actions.start_topic_with_poll(
                people[data["author"]],
                category,
                title=data["title"],
                body=data["body"],
                poll=poll_actions.clean_poll(
                    question=data["question"],
                    options=data["options"],
                    kind=data["kind"],
                    max_choices=data.get("max_choices"),
                    closes_at=timezone.now() + timedelta(days=data["closes_in_days"]),
                    show_results=data["show_results"],
                ),
            )
            poll = topic.poll
            options = list(poll.options.order_by("position"))
            for username, chosen in data["votes"].items():
                poll_actions.vote(
                    people[username], poll, [options[i].pk for i in chosen]
                )
            started = timezone.now() - timedelta(days=data["days_ago"])
            stamps: dict[int, Any] = {1: started}
            for hours, reply in enumerate(data["replies"], start=1):
                post = actions.reply_to_topic(
                    people[reply["author"]], topic, body=reply["body"]
                )
                stamps[post.number] = started + timedelta(hours=5 * hours)
            self._backdate(topic, stamps, pinned=False)

    def _create_person(
        self, person: dict[str, Any], brand: Brand, now: Any, index: int
    ) -> User:
        role = person["role"]
        user = User.objects.create_user(
            username=person["username"],
            email=f"{person['username']}@example.com",
            password=DEMO_PASSWORD,
            display_name=person["display_name"],
            bio=person["bio"],
            role=Role.ADMIN
            if role == "admin"
            else Role.BRAND_REP
            if role == "brand_rep"
            else Role.MEMBER,
            trust_level=TrustLevel.REGULAR
            if role in {"moderator", "admin"}
            else TrustLevel.MEMBER,
            is_staff=role == "admin",
            is_superuser=role == "admin",
            brand=brand if role == "brand_rep" else None,
            brand_since=now - timedelta(days=200) if role == "brand_rep" else None,
        )
        if person["username"] == "member":
            user.trust_level = TrustLevel.BASIC
            user.save(update_fields=["trust_level"])
        User.objects.filter(pk=user.pk).update(
            date_joined=now - timedelta(days=400 - index * 17)
        )
        EmailAddress.objects.create(
            user=user, email=user.email, verified=True, primary=True
        )
        return user

    def _create_category(
        self,
        data: dict[str, Any],
        parent: Category | None,
        groups: dict[str, CommunityGroup],
        position: int,
    ) -> Category:
        group_slug = data.get("group")
        return Category.objects.create(
            parent=parent,
            name=data["name"],
            slug=data["slug"],
            description=data["description"],
            colour=data["colour"],
            kind=data["kind"],
            position=position,
            restricted_to=groups[group_slug] if group_slug else None,
        )

    def _create_topic(
        self,
        data: dict[str, Any],
        people: dict[str, User],
        categories: dict[str, Category],
        now: Any,
    ) -> None:
        author = people[data["author"]]
        category = categories[data["category"]]
        topic = actions.create_topic(
            author, category, title=data["title"], body=data["body"], tags=data["tags"]
        )
        started = now - timedelta(days=data["days_ago"])
        stamps: dict[int, Any] = {1: started}
        posts: list[Post] = []
        for index, reply in enumerate(data.get("replies", [])):
            reply_to = (
                posts[reply["reply_to"]] if reply.get("reply_to") is not None else None
            )
            post = actions.reply_to_topic(
                people[reply["author"]],
                topic,
                body=reply["body"],
                reply_to=reply_to,
                official=data.get("official") == index,
            )
            stamps[post.number] = min(
                started + timedelta(hours=reply["hours_after"]), now
            )
            posts.append(post)
        first_post = Post.objects.get(topic=topic, number=1)
        for name in data.get("likes", []):
            actions.like_post(people[name], first_post)
        for post, reply in zip(posts, data.get("replies", []), strict=True):
            for name in reply.get("likes", []):
                actions.like_post(people[name], post)
        if data.get("accepted") is not None:
            actions.accept_answer(author, posts[data["accepted"]])
        self._backdate(topic, stamps, pinned=data.get("pinned", False))

    def _backdate(self, topic: Topic, stamps: dict[int, Any], *, pinned: bool) -> None:
        for number, stamp in stamps.items():
            Post.objects.filter(topic=topic, number=number).update(created_at=stamp)
            PostRevision.objects.filter(post__topic=topic, post__number=number).update(
                created_at=stamp
            )
        last = max(stamps.values())
        Topic.objects.filter(pk=topic.pk).update(
            created_at=stamps[1], last_posted_at=last, is_pinned=pinned
        )
        category = topic.category
        newest = Topic.objects.filter(category=category).aggregate(
            m=Max("last_posted_at")
        )["m"]
        newest_topic = Topic.objects.filter(
            category=category, last_posted_at=newest
        ).first()
        Category.objects.filter(pk=category.pk).update(
            last_posted_at=newest, last_topic=newest_topic
        )


@contextmanager
def _events_held_back() -> Iterator[None]:
    """Without a broker, tasks run in-process as each post commits, which
    would email the demo people hundreds of times. Queue them in memory
    instead; _notify_in_app_only() then fans them out without email."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    # The in-memory transport has no host name; kombu warns that it "reverts
    # to localhost", which means nothing to someone trying the demo.
    kombu_log = logging.getLogger("kombu.connection")
    level = kombu_log.level
    kombu_log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = eager
        kombu_log.setLevel(level)


def _notify_in_app_only() -> int:
    with _events_held_back(), transaction.atomic():
        for event_id in Event.objects.filter(dispatched_at__isnull=True).values_list(
            "pk", flat=True
        ):
            dispatch_event(event_id)
    Delivery.objects.filter(
        channel=Delivery.Channel.EMAIL, status=Delivery.Status.PENDING
    ).update(status=Delivery.Status.SKIPPED, detail="demo data: no email")
    return Notification.objects.count()


UNREAD_KEPT = 4  # per person: the newest few, from the last two weeks
UNREAD_WITHIN = timedelta(days=14)


def _settle_notifications(started: Any) -> int:
    """Date each demo notification when what it tells of happened (the post,
    or the backdated moderation step), not when seeding fanned it out; then
    leave each person a handful unread, as if they had been reading along.
    Returns how many are unread."""
    now = timezone.now()
    notifications = list(
        Notification.objects.select_related("event", "post", "topic").order_by("pk")
    )
    for notification in notifications:
        event = notification.event
        if event is not None and event.created_at < started:
            notification.created_at = event.created_at
        elif notification.post is not None:
            notification.created_at = notification.post.created_at
        elif notification.topic is not None:
            notification.created_at = notification.topic.last_posted_at
        else:
            notification.created_at = started
    notifications.sort(key=lambda n: n.created_at, reverse=True)
    kept: dict[int, int] = {}
    for notification in notifications:
        shown = kept.get(notification.recipient_id, 0)
        if shown < UNREAD_KEPT and now - notification.created_at < UNREAD_WITHIN:
            kept[notification.recipient_id] = shown + 1
            notification.read_at = None
        else:
            notification.read_at = min(
                notification.created_at + timedelta(hours=6), now
            )
    Notification.objects.bulk_update(
        notifications, ["created_at", "read_at"], batch_size=500
    )
    return sum(kept.values())


def _describe(username: str) -> str:
    return {
        "member": "a community member",
        "mod": "a volunteer moderator",
        "rep": "a brand representative (peer resource)",
        "admin": "an administrator; also signs in to /admin/",
    }.get(username, "")


def _thermo_chart() -> bytes:
    """The chart in refractometer_rob's temperature post, from its table."""
    import io

    from PIL import Image, ImageDraw

    width, height, margin = 480, 270, 40
    series = {  # set point: shots 1, 3 and 6 (°C)
        "90": [89.6, 90.1, 90.3],
        "93": [92.4, 92.9, 93.2],
        "96": [95.1, 95.7, 96.0],
        "93 (12 min)": [90.8, 92.1, 92.8],
    }
    colours = ["#3b6ea5", "#2f7d4f", "#a1401a", "#8a5a9e"]
    low, high = 89.0, 97.0
    image = Image.new("RGB", (width, height), "#fbfaf7")
    draw = ImageDraw.Draw(image)

    def y(value: float) -> float:
        return height - margin - (value - low) / (high - low) * (height - 2 * margin)

    for degree in range(int(low), int(high) + 1):
        draw.line([(margin, y(degree)), (width - margin, y(degree))], fill="#e1ddd5")
        draw.text((6, y(degree) - 6), f"{degree}", fill="#5c6470")
    xs = [margin + 20, width // 2, width - margin - 20]
    for x, label in zip(xs, ["shot 1", "shot 3", "shot 6"], strict=True):
        draw.text((x - 16, height - margin + 10), label, fill="#5c6470")
    for (name, values), colour in zip(series.items(), colours, strict=True):
        points = [(x, y(v)) for x, v in zip(xs, values, strict=True)]
        draw.line(points, fill=colour, width=3)
        for x, v in points:
            draw.ellipse([x - 4, v - 4, x + 4, v + 4], fill=colour)
        draw.text((points[-1][0] - 70, points[-1][1] - 16), name, fill=colour)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
