"""Daily and weekly digests: notifications.digests and the send_digests task."""

from datetime import timedelta
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from accounts.models import GroupMembership
from forum import actions
from notifications import digests
from notifications.emails import deliver_email
from notifications.models import (
    CategoryWatch,
    Delivery,
    EmailFrequency,
    Event,
    KindPreference,
    Notification,
    NotificationPreferences,
    WatchLevel,
)
from notifications.tasks import dispatch_event
from notifications.tasks import send_digests as send_digests_task
from notifications.unsubscribe import ALL, read_token
from tests.factories import make_category, make_group, make_post, make_topic, make_user

pytestmark = pytest.mark.django_db

SITE_URL = "https://forum.example.org"


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise SMTPException("421 Service not available")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_NAME = "Hearth"
    settings.SITE_URL = SITE_URL


def dispatch_all() -> None:
    for event_id in Event.objects.filter(dispatched_at__isnull=True).values_list(
        "pk", flat=True
    ):
        dispatch_event(event_id)


def digest_member(username: str, frequency=EmailFrequency.DAILY, **prefs):
    user = make_user(username)
    NotificationPreferences.objects.create(
        user=user, email_frequency=frequency, **prefs
    )
    return user


def popular_topic(category, title: str, replies: int = 2):
    return make_topic(category, title=title, replies=replies)


def emails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def test_send_digests_daily_sends_notifications_and_popular_topics(category):
    dora = digest_member("dora")
    own = make_topic(category, dora, title="Which kettle for pour-over?")
    make_post(own, make_user("eve"), body="A gooseneck one.")
    popular_topic(category, "Descaling with citric acid", replies=3)
    dispatch_all()

    run = digests.send_digests("daily")

    assert run.sent == 1
    [message] = mail.outbox
    assert message.to == [dora.email]
    assert message.subject == "[Hearth] Your daily digest"
    assert "eve replied in “Which kettle for pour-over?”" in message.body
    assert "Descaling with citric acid" in message.body
    assert isinstance(message, EmailMultiAlternatives)
    [(html, _mimetype)] = message.alternatives
    assert isinstance(html, str)
    assert "eve replied in “Which kettle for pour-over?”" in html
    assert "Descaling with citric acid" in html
    assert f"{SITE_URL}/settings/notifications/" in html
    header = message.extra_headers["List-Unsubscribe"]
    token = header.removeprefix(f"<{SITE_URL}/unsubscribe/").removesuffix("/>")
    assert read_token(token).kind == ALL
    assert read_token(token).user_id == dora.pk
    assert message.extra_headers["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )
    assert NotificationPreferences.objects.get(user=dora).last_digest_at is not None


def test_send_digests_twice_in_one_period_sends_one_digest(category):
    dora = digest_member("dora")
    popular_topic(category, "Descaling with citric acid")

    digests.send_digests("daily")
    digests.send_digests("daily")

    assert len(emails_to(dora)) == 1


def test_send_digests_next_period_holds_only_what_is_new(category):
    dora = digest_member("dora")
    own = make_topic(category, dora, title="Which kettle for pour-over?")
    make_post(own, make_user("eve"), body="A gooseneck one.")
    dispatch_all()
    first_run = timezone.now()
    digests.send_digests("daily", now=first_run)
    make_post(own, make_user("finn"), body="Any with a thermometer.")
    dispatch_all()

    digests.send_digests("daily", now=first_run + timedelta(days=1))

    first, second = emails_to(dora)
    assert "eve replied" in first.body
    assert "finn replied" in second.body
    assert "eve replied" not in second.body
    prefs = NotificationPreferences.objects.get(user=dora)
    assert prefs.last_digest_at == first_run + timedelta(days=1)


def test_send_digests_leaves_out_topics_from_a_category_the_member_cannot_read(
    category,
):
    tester = digest_member("tess")
    outsider = digest_member("otto")
    group = make_group("Beta testers", members=[tester])
    beta = make_category("Beta", restricted_to=group)
    beta_author = make_user("bart")
    GroupMembership.objects.create(group=group, user=beta_author)
    beta_topic = make_topic(beta, beta_author, title="Firmware 2.1 beta notes")
    make_post(beta_topic, tester, body="Updated fine.")
    make_post(beta_topic, beta_author, body="Thanks for testing.")
    popular_topic(category, "Descaling with citric acid")

    digests.send_digests("daily")

    [to_tester] = emails_to(tester)
    [to_outsider] = emails_to(outsider)
    assert "Firmware 2.1 beta notes" in to_tester.body
    assert "Firmware 2.1 beta notes" not in to_outsider.body
    assert "Firmware 2.1 beta notes" not in to_outsider.alternatives[0][0]
    assert "Descaling with citric acid" in to_outsider.body


def test_send_digests_leaves_out_notifications_about_topics_no_longer_visible(
    category,
):
    group = make_group("Beta testers")
    beta = make_category("Beta", restricted_to=group)
    tester = digest_member("tess")
    replier = make_user("rita")
    GroupMembership.objects.create(group=group, user=tester)
    GroupMembership.objects.create(group=group, user=replier)
    topic = make_topic(beta, tester, title="Firmware 2.1 beta notes")
    make_post(topic, replier, body="Works for me.")
    dispatch_all()
    GroupMembership.objects.filter(user=tester).delete()
    popular_topic(category, "Descaling with citric acid")

    digests.send_digests("daily")

    assert Notification.objects.filter(recipient=tester).exists()
    [message] = emails_to(tester)
    assert "Descaling with citric acid" in message.body
    assert "rita replied" not in message.body
    assert "Firmware" not in message.body


def test_send_digests_skips_members_with_nothing_to_send(category):
    dora = digest_member("dora")
    make_topic(category, title="A topic nobody answered")  # not popular

    run = digests.send_digests("daily")

    assert mail.outbox == []
    assert run.sent == 0
    assert NotificationPreferences.objects.get(user=dora).last_digest_at is None


def test_send_digests_leaves_out_read_notifications_and_kinds_turned_off(category):
    dora = digest_member("dora", per_kind={"liked": KindPreference.OFF})
    own = make_topic(category, dora, title="Which kettle for pour-over?")
    answer = make_post(own, make_user("eve"), body="A gooseneck one.")
    actions.like_post(make_user("finn"), own.first_post)
    make_post(own, make_user("gus"), body="Or a variable temperature one.")
    dispatch_all()
    Notification.objects.filter(recipient=dora, post=answer).update(
        read_at=timezone.now()
    )

    digests.send_digests("daily")

    [message] = emails_to(dora)
    assert "gus replied" in message.body
    assert "eve replied" not in message.body  # read in the app
    assert "liked" not in message.body  # turned off


def test_send_digests_immediate_member_gets_only_digest_kinds(category):
    """Members emailed right away get likes (a digest kind by default) daily;
    replies were emailed already."""
    ivy = make_user("ivy")  # default preferences: immediately
    own = make_topic(category, ivy, title="Which kettle for pour-over?")
    make_post(own, make_user("eve"), body="A gooseneck one.")
    actions.like_post(make_user("finn"), own.first_post)
    dispatch_all()
    deliver_email(Delivery.objects.get(recipient=ivy, channel="email").pk)

    digests.send_digests("daily")

    [immediate, digest] = emails_to(ivy)
    assert "eve replied" in immediate.subject
    assert "finn liked your post" in digest.body
    assert "eve replied" not in digest.body
    assert "your notification settings on Hearth put some kinds" in digest.body


def test_send_digests_immediate_member_gets_no_digest_of_popular_topics_alone(
    category,
):
    ivy = make_user("ivy")
    NotificationPreferences.objects.create(user=ivy)  # immediately
    popular_topic(category, "Descaling with citric acid")

    digests.send_digests("daily")

    assert emails_to(ivy) == []


def test_send_digests_includes_emails_held_back_by_the_daily_cap(settings, category):
    settings.NOTIFICATIONS_DAILY_EMAIL_CAP = 1
    ivy = make_user("ivy")
    own = make_topic(category, ivy, title="Which kettle for pour-over?")
    make_post(own, make_user("eve"), body="A gooseneck one.")
    make_post(own, make_user("finn"), body="Any with a thermometer.")
    dispatch_all()
    for delivery in Delivery.objects.filter(recipient=ivy, channel="email"):
        deliver_email(delivery.pk)

    digests.send_digests("daily")

    [immediate, digest] = emails_to(ivy)
    assert "eve replied" in immediate.subject
    assert "finn replied" in digest.body
    assert "eve replied" not in digest.body


def test_send_digests_weekly_member_waits_for_the_weekly_run(category):
    walt = digest_member("walt", frequency=EmailFrequency.WEEKLY)
    popular_topic(category, "Descaling with citric acid")

    digests.send_digests("daily")
    assert emails_to(walt) == []
    digests.send_digests("weekly")

    [message] = emails_to(walt)
    assert message.subject == "[Hearth] Your weekly digest"


def test_send_digests_leaves_out_muted_categories(category):
    dora = digest_member("dora")
    CategoryWatch.objects.create(user=dora, category=category, level=WatchLevel.MUTED)
    other = make_category("Recipes")
    popular_topic(category, "Descaling with citric acid")
    popular_topic(other, "Cold brew ratios")

    digests.send_digests("daily")

    [message] = emails_to(dora)
    assert "Cold brew ratios" in message.body
    assert "Descaling with citric acid" not in message.body


def test_send_digests_escapes_titles_in_html(category):
    dora = digest_member("dora")
    popular_topic(category, "Milk <b>frothing</b> & foam")

    digests.send_digests("daily")

    [message] = emails_to(dora)
    assert "Milk &lt;b&gt;frothing&lt;/b&gt; &amp; foam" in message.alternatives[0][0]
    assert "Milk <b>frothing</b> & foam" in message.body


def test_send_digests_goes_through_members_in_batches(monkeypatch, category):
    monkeypatch.setattr(digests, "DIGEST_BATCH", 2)
    members = [digest_member(f"reader{i}") for i in range(5)]
    popular_topic(category, "Descaling with citric acid")

    run = digests.send_digests("daily")

    assert run.sent == 5
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in members)
    assert not NotificationPreferences.objects.filter(
        user__in=members, last_digest_at__isnull=True
    ).exists()


def test_send_digests_skips_suspended_and_unverified_members(category):
    suspended = digest_member("sam")
    suspended.suspended_until = timezone.now() + timedelta(days=2)
    suspended.save(update_fields=["suspended_until"])
    unverified = make_user("uma", verified=False)
    NotificationPreferences.objects.create(
        user=unverified, email_frequency=EmailFrequency.DAILY
    )
    popular_topic(category, "Descaling with citric acid")

    digests.send_digests("daily")

    assert mail.outbox == []


def test_send_digests_smtp_failure_keeps_the_digest_owed_and_stops(settings, category):
    settings.EMAIL_BACKEND = "tests.notifications.test_digests.FailingBackend"
    members = [digest_member(f"reader{i}") for i in range(4)]
    popular_topic(category, "Descaling with citric acid")

    with pytest.raises(SMTPException):
        digests.send_digests("daily")

    # Three failures in a row stop the run; nobody is marked as served.
    assert not NotificationPreferences.objects.filter(
        user__in=members, last_digest_at__isnull=False
    ).exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert digests.send_digests("daily").sent == 4


def test_send_digests_task_returns_how_many_were_sent(category):
    digest_member("dora")
    digest_member("walt", frequency=EmailFrequency.WEEKLY)
    popular_topic(category, "Descaling with citric acid")

    assert send_digests_task("daily") == 1
    assert send_digests_task("weekly") == 1
    assert send_digests_task("daily") == 0
