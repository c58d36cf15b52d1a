"""Your data (issue 24): the archive over HTTP, and account deletion that
leaves no personal data in any column while the discussion stays readable."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from django.apps import apps
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from django.db.models.functions import Cast
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from accounts.models import CommunityGroup, JoinPolicy, User
from conversations.actions import send_message, start_conversation
from drafts.actions import save_draft
from forum import actions as forum_actions
from groups.actions import apply_to_group
from moderation.actions.flags import flag_post
from moderation.actions.posts import hide_post
from notifications.emails import deliver_email
from notifications.models import Delivery, Event, Notification
from notifications.tasks import dispatch_event
from privacy import actions, links
from privacy.models import DataExport
from privacy.tasks import build_data_export
from tests.factories import (
    PASSWORD,
    make_brand_rep,
    make_category,
    make_moderator,
    make_topic,
    make_user,
)
from uploads.actions import upload_file
from uploads.storage import upload_storage

pytestmark = pytest.mark.django_db

USERNAME = "olivetreebarista"
EMAIL = "olive.barista@example.org"
DISPLAY = "Olive Treebarista"


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _deliver() -> None:
    for event in Event.objects.filter(dispatched_at__isnull=True).order_by("pk"):
        dispatch_event(event.pk)
    for pk in Delivery.objects.filter(
        channel=Delivery.Channel.EMAIL, status=Delivery.Status.PENDING
    ).values_list("pk", flat=True):
        deliver_email(pk)


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), "brown").save(out, format="JPEG")
    return out.getvalue()


# --- Download my data ---------------------------------------------------------------------


def test_settings_request_task_email_link_downloads_the_members_zip(settings):
    settings.NOTIFICATIONS_DAILY_EMAIL_CAP = 100
    member = make_user(USERNAME, email=EMAIL, display_name=DISPLAY)
    topic = make_topic(
        make_category(), member, title="Grinder burrs", body="**Flat** burrs."
    )
    forum_actions.bookmark_post(member, topic.first_post, note="my note")
    save_draft(member, key=f"reply:{topic.pk}", body="half a thought")
    other = make_user("lena")
    start_conversation(other, [member], subject="Beans", body="Try the Kenyan.")
    client = _client(member)

    page = client.get("/settings/data/")
    assert page.status_code == 200
    assert b"Prepare my archive" in page.content
    assert b"Delete my account" in page.content

    response = client.post("/settings/data/export/", follow=True)
    assert b"preparing your archive" in response.content
    export = DataExport.objects.get(user=member)
    assert export.status == DataExport.Status.PENDING
    # Asking again the same day is refused with a message saying when.
    again = client.post("/settings/data/export/", follow=True)
    assert b"You can ask for a new archive after" in again.content
    assert DataExport.objects.filter(user=member).count() == 1

    build_data_export(export.pk)  # the Celery task
    mail.outbox.clear()
    _deliver()

    note = Notification.objects.get(recipient=member, kind="data_export")
    assert note.text == "Your data is ready to download"
    [email] = [m for m in mail.outbox if m.to == [EMAIL] and "ready" in m.subject]
    link = re.search(
        r"https?://\S+/settings/data/download/\S+/", str(email.body)
    ).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    path = "/" + path
    assert note.url == path
    ready = client.get("/settings/data/")
    # The page signs a fresh link to the same archive for its owner.
    assert b'data-status="ready"' in ready.content
    assert f"/settings/data/download/{export.pk}.{member.pk}:".encode() in ready.content

    # Signed out, the link asks to sign in; another member gets a 404.
    assert Client().get(path).status_code == 302
    assert _client(other).get(path).status_code == 404
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.getvalue()))
    names = set(archive.namelist())
    assert {
        "README.txt",
        "profile.json",
        "posts.json",
        "drafts.json",
        "bookmarks.json",
        "votes.json",
        "likes.json",
        "notifications.json",
        "messages.json",
        "consents.json",
        "uploads.json",
    } <= names
    profile = json.loads(archive.read("profile.json"))
    assert profile["username"] == USERNAME and profile["email"] == EMAIL
    posts = json.loads(archive.read("posts.json"))
    assert posts[0]["markdown"] == "**Flat** burrs."
    assert json.loads(archive.read("drafts.json"))[0]["markdown"] == "half a thought"
    assert json.loads(archive.read("bookmarks.json"))[0]["note"] == "my note"
    [conversation] = json.loads(archive.read("messages.json"))
    assert conversation["messages"][0]["markdown"] == "Try the Kenyan."


def test_an_expired_link_opens_nothing(settings):
    member = make_user("ana")
    export = actions.request_data_export(member)
    actions.build_data_export(export.pk)
    path = links.export_download_path(export.pk, member.pk)
    settings.PRIVACY_EXPORT_LINK_HOURS = 0

    assert _client(member).get(path).status_code == 404


# --- Delete my account --------------------------------------------------------------------


def _seed_member_with_a_history():
    """A member with posts, replies from others, drafts, bookmarks,
    conversations, notifications, moderation records, a group application
    and uploads; and others who mention and answer them."""
    category = make_category("General", slug="general")
    member = make_user(USERNAME, email=EMAIL, display_name=DISPLAY, bio="I roast.")
    friend = make_user("lena")
    moderator = make_moderator(category, "mod")
    rep = make_brand_rep("brevettorep")

    answered = make_topic(category, member, title="Descaling", body="Citric or not?")
    make_topic(
        category,
        friend,
        title=f"Thanks {USERNAME} for the descaling tip",
        body=f"Ask {DISPLAY} about citric acid.",
    )
    forum_actions.reply_to_topic(
        friend,
        answered,
        body=f"@{USERNAME} citric acid, 2%. Thanks {DISPLAY} for asking.",
    )
    alone = make_topic(
        category, member, title="My burr set", body="Nobody answered this."
    )
    their_reply = forum_actions.reply_to_topic(
        member, answered, body="That worked, thanks!"
    )
    forum_actions.like_post(friend, their_reply)
    forum_actions.bookmark_post(member, answered.first_post, note="keep")
    save_draft(member, key=f"reply:{answered.pk}", body="a draft")
    conversation = start_conversation(
        member, [friend], subject="Beans", body="Private words about beans."
    )
    send_message(friend, conversation, body=f"Hi {USERNAME}!")
    flag_post(member, answered.posts.get(number=2), kind="spam", message="looks off")
    hide_post(moderator, their_reply, rule=None, reason=f"Quoting {EMAIL} in public")
    group = CommunityGroup.objects.create(
        name="Beta", slug="beta", join_policy=JoinPolicy.APPLICATION, terms="NDA"
    )
    apply_to_group(member, group, accept_terms=True)
    upload_file(
        member, name="espresso.jpg", content=SimpleUploadedFile("e.jpg", _jpeg())
    )
    orphan = upload_file(
        member, name=f"{USERNAME}.txt", content=SimpleUploadedFile("a.txt", b"notes\n")
    )
    export = actions.request_data_export(member)
    actions.build_data_export(export.pk)
    _deliver()
    return {
        "member": member,
        "friend": friend,
        "rep": rep,
        "answered": answered,
        "alone": alone,
        "orphan": orphan,
    }


def _columns_naming(needles: list[str]) -> list[str]:
    """Every text, char and JSON column of every model holding a needle."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(
                field, (models.CharField, models.TextField, models.JSONField)
            ):
                continue
            qs = model._default_manager.annotate(
                _t=Cast(field.attname, models.TextField())
            )
            for needle in needles:
                for pk, value in qs.filter(_t__icontains=needle).values_list(
                    "pk", "_t"
                ):
                    found.append(f"{model._meta.label}.{field.name}#{pk}: {value[:80]}")
    return found


def test_deletion_leaves_no_personal_data_in_any_column_and_the_discussion_readable(
    settings,
):
    settings.NOTIFICATIONS_DAILY_EMAIL_CAP = 100
    world = _seed_member_with_a_history()
    member = world["member"]
    needles = [USERNAME, EMAIL, DISPLAY]
    assert _columns_naming(needles), "the seed must name the member somewhere"
    from api import actions as api_actions
    from api.models import ApiToken

    _token, secret = api_actions.create_token(member, name=f"{DISPLAY}'s sync")
    client = _client(member)
    # The token reads as the member until the account goes.
    bearer = {"Authorization": f"Bearer {secret}"}
    assert Client().get("/api/v1/categories", headers=bearer).status_code == 200

    # A wrong password re-renders the form with a clear message.
    wrong = client.post(
        "/settings/delete-account/",
        {"posts": "delete", "password": "not-it", "confirm": "on"},
    )
    assert wrong.status_code == 400
    assert b"That is not your password" in wrong.content
    assert User.objects.get(pk=member.pk).is_active is True

    done = client.post(
        "/settings/delete-account/",
        {"posts": "delete", "password": PASSWORD, "confirm": "on"},
        follow=True,
    )
    assert done.status_code == 200
    anon = f"former member {member.pk}"
    assert f"“{anon}”".encode() in done.content
    # Signed out, and never able to sign in again.
    assert client.get("/settings/").status_code == 302
    assert Client().login(username=USERNAME, password=PASSWORD) is False

    leftovers = _columns_naming(needles)
    assert leftovers == []

    # The discussion stays readable: the friend's reply, and the member's
    # post that was replied to, under the anonymous name.
    page = Client().get(world["answered"].get_absolute_url())
    assert page.status_code == 200
    assert b"citric acid, 2%" in page.content
    assert b"Citric or not?" in page.content
    assert anon.encode() in page.content
    # The post nobody replied to is gone, with its history.
    alone_post = world["alone"].first_post
    alone_post.refresh_from_db()
    assert alone_post.deleted_at is not None and alone_post.body_source == ""
    assert not alone_post.revisions.exclude(body_source="").exists()
    # The profile shows the anonymous name.
    profile = Client().get(f"/u/former-member-{member.pk}/")
    assert profile.status_code == 200
    assert anon.encode() in profile.content.lower()
    # Private data and uploads no post shows are gone.
    assert not DataExport.objects.filter(user=member).exists()
    assert not ApiToken.objects.filter(user=member).exists()
    assert Client().get("/api/v1/categories", headers=bearer).status_code == 401
    assert not type(world["orphan"]).objects.filter(pk=world["orphan"].pk).exists()


def test_a_representatives_kept_posts_stay_under_the_brand_not_the_person():
    rep = make_brand_rep("brevettorep", display_name="Rita Rossi")
    member = make_user("asker")
    topic = make_topic(make_category(), member, title="Pump noise", body="Loud pump?")
    forum_actions.reply_to_topic(rep, topic, body="That's the vibration pump, normal.")

    actions.delete_account(rep, keep_posts=True)

    page = Client().get(topic.get_absolute_url())
    assert b"vibration pump, normal" in page.content
    assert b"Brevetto" in page.content
    assert b"Rita Rossi" not in page.content and b"brevettorep" not in page.content


def test_an_account_without_password_confirms_by_emailed_link():
    member = make_user("socialite")
    member.set_unusable_password()
    member.save()
    client = Client()
    client.force_login(member)

    page = client.get("/settings/delete-account/")
    assert b"Email me a confirmation link" in page.content
    refused = client.post(
        "/settings/delete-account/", {"posts": "keep", "confirm": "on"}
    )
    assert refused.status_code == 400
    assert User.objects.get(pk=member.pk).is_active is True

    client.post("/settings/delete-account/email/")
    link = re.search(r"https?://\S+/confirm/\S+/", str(mail.outbox[-1].body)).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    done = client.post(path, {"posts": "keep", "confirm": "on"}, follow=True)
    assert done.status_code == 200
    assert User.objects.get(pk=member.pk).is_active is False
    assert timezone.now()  # the link was used within its lifetime


def test_a_one_word_display_name_leaves_the_notifications_others_got(settings):
    """A one-word display name is not swept from other people's free text
    (it would rewrite their words), but every row about the member's own
    doing loses it: notification texts, snapshots of their name."""
    settings.NOTIFICATIONS_DAILY_EMAIL_CAP = 100
    member = make_user("zephyrine", display_name="Zeph")
    friend = make_user("lena")
    topic = make_topic(make_category(), friend, title="Tamping", body="How hard?")
    forum_actions.reply_to_topic(member, topic, body="About 15 kg.")
    _deliver()
    assert Notification.objects.filter(recipient=friend, text__contains="Zeph").exists()

    actions.delete_account(member, keep_posts=True)

    assert not Notification.objects.filter(text__contains="Zeph").exists()
    assert _columns_naming(["zephyrine", "Zeph"]) == []


def _count(client: Client, url: str) -> int:
    client.get(url)  # the session's first request reads more; count the next
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    # Sessions are a query only where they live in the database (SQLite).
    return len(
        [q for q in queries.captured_queries if "django_session" not in q["sql"]]
    )


@pytest.mark.parametrize("url", ["/settings/data/", "/settings/delete-account/"])
def test_the_data_pages_cost_the_same_queries_whatever_the_history(url):
    member = make_user("counted")
    client = _client(member)
    counts = []
    for _round in range(2):
        for days in range(5):
            DataExport.objects.create(
                user=member,
                requested_at=timezone.now() - timedelta(days=days + 2),
                status=DataExport.Status.EXPIRED,
            )
        make_topic(make_category(), member, replies=3)
        counts.append(_count(client, url))

    assert counts[0] == counts[1] == QUERIES[url]


# The user and the header's counts, then (data page) the latest archive and
# the one that sets when the member may ask again.
QUERIES = {"/settings/data/": 5, "/settings/delete-account/": 3}


def test_a_username_that_is_an_ordinary_word_leaves_others_words_alone():
    """Deleting "crema" rewrites "@crema" and the profile link, not every
    "crema" someone wrote about their espresso."""
    member = make_user("crema")
    friend = make_user("lena")
    topic = make_topic(make_category(), member, title="Shots", body="Thin shots.")
    reply = forum_actions.reply_to_topic(
        friend, topic, body="@crema grind finer: the crema will thicken."
    )

    actions.delete_account(member, keep_posts=True)

    reply.refresh_from_db()
    anon = f"former-member-{member.pk}"
    assert reply.body_source == f"@{anon} grind finer: the crema will thicken."
    assert f"/u/{anon}/" in reply.body_html
    assert "/u/crema/" not in reply.body_html
    page = Client().get(topic.get_absolute_url())
    assert b"the crema will thicken" in page.content


def test_deleting_posts_keeps_the_ones_others_replied_to_or_quoted():
    member = make_user("olive_t")
    friend = make_user("lena")
    topic = make_topic(
        make_category(), friend, title="Milk for flat whites", body="Oat or whole?"
    )
    replied = forum_actions.reply_to_topic(member, topic, body="Whole, always.")
    quoted = forum_actions.reply_to_topic(member, topic, body="Oat foams worse.")
    alone = forum_actions.reply_to_topic(member, topic, body="Also: cold jug.")
    forum_actions.reply_to_topic(friend, topic, body="Why?", reply_to=replied)
    forum_actions.reply_to_topic(
        friend, topic, body=f"> Oat foams worse. [olive_t](/p/{quoted.pk}/)\n\nTrue."
    )

    actions.delete_account(member, keep_posts=False)

    for post in (replied, quoted, alone):
        post.refresh_from_db()
    assert replied.deleted_at is None and replied.body_source == "Whole, always."
    assert quoted.deleted_at is None
    assert alone.deleted_at is not None and alone.body_source == ""
    page = Client().get(topic.get_absolute_url())
    assert b"Whole, always." in page.content and b"Also: cold jug." not in page.content
    assert f"former member {member.pk}".encode() in page.content


def test_the_hourly_task_builds_lost_archives_and_deletes_expired_files(settings):
    member = make_user("ana")
    lost = actions.request_data_export(member)  # its task never ran
    assert actions.build_pending_exports() == 1
    lost.refresh_from_db()
    assert lost.status == DataExport.Status.READY
    stored = upload_storage().exists(lost.storage_name)
    assert stored is True

    settings.PRIVACY_EXPORT_LINK_HOURS = 0
    assert actions.expire_data_exports(now=timezone.now() + timedelta(seconds=1)) == 1

    lost.refresh_from_db()
    assert lost.status == DataExport.Status.EXPIRED
    assert not upload_storage().exists(f"exports/{member.pk}/hearth-data-{lost.pk}.zip")
    page = _client(member).get("/settings/data/")
    assert b'data-status="expired"' in page.content
