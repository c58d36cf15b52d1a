"""The bell, the notifications page and email preferences, end to end over HTTP."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from forum import actions
from notifications.actions import MODERATOR_ONLY_KINDS, REP_ONLY_KINDS
from notifications.models import (
    EmailFrequency,
    Event,
    KindPreference,
    Notification,
    NotificationKind,
    NotificationPreferences,
)
from notifications.preferences import DEFAULT_KIND_PREFERENCES
from notifications.tasks import dispatch_event

pytestmark = pytest.mark.django_db

BELL_URL = reverse("notifications:bell")
LIST_URL = reverse("notifications:list")
PREFERENCES_URL = reverse("notifications:preferences")


def _dispatch_all() -> None:
    for event in Event.objects.filter(dispatched_at__isnull=True).order_by("pk"):
        dispatch_event(event.pk)


def _notify(user, n: int, *, read: bool = False, start: int = 0) -> list[Notification]:
    """n notifications for *user*, one minute apart, the last one newest."""
    now = timezone.now()
    return Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind=NotificationKind.REPLIED,
            actor_name="someone",
            url=f"/t/topic/1/{i + 1}",
            text=f"Notification number {i}",
            created_at=now - timedelta(minutes=n - i),
            read_at=now if read else None,
        )
        for i in range(start, start + n)
    )


@pytest.fixture
def replied(topic, member, other_member):
    """A real notification: bob replied in alice's topic."""
    post = actions.reply_to_topic(other_member, topic, body="Try citric acid.")
    _dispatch_all()
    return Notification.objects.get(recipient=member), post


# --- The bell ----------------------------------------------------------------------------------


def test_bell_shows_unread_count_as_text_on_pages(client, member):
    _notify(member, 3)
    _notify(member, 2, read=True, start=3)
    client.force_login(member)

    html = client.get(reverse("forum:home")).content.decode()

    assert 'aria-live="polite"' in html
    assert (
        'Notifications<span class="visually-hidden">,</span> '
        '<span class="nav-bell-badge">3 unread</span>'
    ) in html
    assert f'href="{LIST_URL}"' in html
    assert f'hx-get="{BELL_URL}"' in html
    assert 'hx-trigger="every 60s' in html


def test_bell_without_unread_says_notifications_only(client, member):
    _notify(member, 2, read=True)
    client.force_login(member)

    html = client.get(reverse("forum:home")).content.decode()

    assert "data-bell-text>Notifications</span>" in html
    assert "unread</span>" not in html


def test_bell_fragment_returns_the_same_partial_with_the_count(client, member):
    _notify(member, 4)
    client.force_login(member)

    response = client.get(BELL_URL, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.count("data-bell ") == 1
    assert '<span class="nav-bell-badge">4 unread</span>' in html


def test_bell_fragment_follows_new_notifications(client, replied, member):
    client.force_login(member)

    assert b"1 unread" in client.get(BELL_URL, HTTP_HX_REQUEST="true").content


def test_bell_fragment_costs_one_count_query(client, member):
    _notify(member, 50)
    client.force_login(member)
    client.get(BELL_URL)  # warm the session and the user

    with CaptureQueriesContext(connection) as ctx:
        client.get(BELL_URL, HTTP_HX_REQUEST="true")

    # Loading the user reads the header's counts with its row
    # (accounts.backends); the bell reads its own after that.
    counts = [
        q["sql"]
        for q in ctx.captured_queries
        if "notification" in q["sql"] and "hearth_unread_conversations" not in q["sql"]
    ]
    assert len(counts) == 1
    assert "COUNT(" in counts[0].upper()


def test_bell_fragment_stops_polling_when_signed_out(client):
    response = client.get(BELL_URL, HTTP_HX_REQUEST="true")

    assert response.status_code == 286


def test_bell_is_not_shown_to_visitors(client, topic):
    html = client.get(reverse("forum:home")).content.decode()

    assert "data-bell" not in html


# --- The notifications page ------------------------------------------------------------------------


def test_list_shows_newest_first_with_unread_label(client, member):
    _notify(member, 2, read=True)
    _notify(member, 1, start=2)
    client.force_login(member)

    html = client.get(LIST_URL).content.decode()

    assert html.index("Notification number 2") < html.index("Notification number 1")
    assert html.index("Notification number 1") < html.index("Notification number 0")
    assert html.count('<span class="label label-unread">Unread</span>') == 1
    assert "<time datetime=" in html
    assert "Mark all read" in html


def test_list_shows_only_own_notifications(client, member, other_member):
    _notify(other_member, 1)
    client.force_login(member)

    html = client.get(LIST_URL).content.decode()

    assert "Notification number 0" not in html
    assert "No notifications yet" in html


def test_list_is_paginated_by_thirty(client, member):
    _notify(member, 35)
    client.force_login(member)

    first = client.get(LIST_URL).content.decode()
    second = client.get(LIST_URL + "?page=2").content.decode()

    assert first.count('class="notification ') == 30
    assert second.count('class="notification ') == 5
    assert "Notification number 34" in first
    assert "Notification number 0" in second


def test_list_requires_sign_in(client):
    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_open_marks_read_and_lands_on_the_post(client, replied, member):
    notification, post = replied
    client.force_login(member)

    response = client.get(reverse("notifications:open", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == post.topic.get_post_url(post.number)
    notification.refresh_from_db()
    assert notification.read_at is not None
    # …and the post is really there.
    landing = client.get(response["Location"], follow=True)
    assert f'id="post-{post.number}"'.encode() in landing.content


def test_list_links_go_through_open(client, replied, member):
    notification, _post = replied
    client.force_login(member)

    html = client.get(LIST_URL).content.decode()

    assert reverse("notifications:open", args=[notification.pk]) in html
    assert "bob replied in “How do I descale?”" in html


def test_open_someone_elses_notification_is_404(client, replied, other_member):
    notification, _post = replied
    client.force_login(other_member)

    response = client.get(reverse("notifications:open", args=[notification.pk]))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_open_a_stored_offsite_url_stays_on_the_site(client, member):
    (notification,) = _notify(member, 1)
    Notification.objects.filter(pk=notification.pk).update(url="https://evil.example/")
    client.force_login(member)

    response = client.get(reverse("notifications:open", args=[notification.pk]))

    assert response["Location"] == LIST_URL


def test_mark_read_marks_one_and_redirects_to_the_list(client, member):
    first, second = _notify(member, 2)
    client.force_login(member)

    response = client.post(reverse("notifications:mark_read", args=[first.pk]))

    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None


def test_mark_read_over_htmx_returns_the_item_and_refreshes_the_bell(client, member):
    (notification,) = _notify(member, 1)
    client.force_login(member)

    response = client.post(
        reverse("notifications:mark_read", args=[notification.pk]),
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<li")
    assert "Unread</span>" not in html
    assert "Read" in html
    assert response["HX-Trigger"] == "notifications-changed"


def test_mark_read_is_get_proof(client, member):
    (notification,) = _notify(member, 1)
    client.force_login(member)

    response = client.get(reverse("notifications:mark_read", args=[notification.pk]))

    assert response.status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_read_someone_elses_notification_is_404(client, member, other_member):
    (notification,) = _notify(other_member, 1)
    client.force_login(member)

    response = client.post(reverse("notifications:mark_read", args=[notification.pk]))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_marks_only_own(client, member, other_member):
    _notify(member, 5)
    _notify(other_member, 2)
    client.force_login(member)

    response = client.post(reverse("notifications:mark_all_read"), follow=True)

    assert b"All notifications are marked as read." in response.content
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True)
    assert (
        Notification.objects.filter(
            recipient=other_member, read_at__isnull=True
        ).count()
        == 2
    )
    assert b"unread</span>" not in response.content  # the bell says so too


def test_mark_all_read_keeps_first_read_time(client, member):
    (read,) = _notify(member, 1, read=True)
    earlier = read.read_at
    client.force_login(member)

    client.post(reverse("notifications:mark_all_read"))

    read.refresh_from_db()
    assert read.read_at == earlier


def _list_queries(client) -> int:
    client.get(LIST_URL)  # warm per-process caches (content types, sessions)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST_URL)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_is_constant(client, member):
    client.force_login(member)
    _notify(member, 10)
    small = _list_queries(client)

    _notify(member, 50, start=10)
    large = _list_queries(client)

    assert large == small
    assert small <= 6  # session, user, bell count, paginator count, page


# --- Email preferences -------------------------------------------------------------------------------


def test_preferences_page_lists_every_kind_with_defaults(client, member):
    client.force_login(member)

    response = client.get(PREFERENCES_URL)

    html = response.content.decode()
    assert response.status_code == 200
    for kind in NotificationKind:
        if kind in REP_ONLY_KINDS | MODERATOR_ONLY_KINDS:
            assert str(kind.label) not in html
            continue
        assert str(kind.label) in html
        default = DEFAULT_KIND_PREFERENCES[kind]
        assert response.context["form"][f"kind_{kind}"].value() == default
    assert response.context["form"]["email_frequency"].value() == (
        EmailFrequency.IMMEDIATELY
    )
    assert 'aria-current="page">Notifications</a>' in html


def test_preferences_hide_brand_requests_from_members(client, member):
    client.force_login(member)

    html = client.get(PREFERENCES_URL).content.decode()

    assert str(NotificationKind.BRAND_REQUEST.label) not in html


def test_preferences_show_brand_requests_to_reps(client, brand_rep):
    client.force_login(brand_rep)

    html = client.get(PREFERENCES_URL).content.decode()

    assert str(NotificationKind.BRAND_REQUEST.label) in html


def _valid_post(**changes) -> dict[str, str]:
    data: dict[str, str] = {"email_frequency": EmailFrequency.DAILY}
    for kind in NotificationKind:
        if kind != NotificationKind.BRAND_REQUEST:
            data[f"kind_{kind}"] = DEFAULT_KIND_PREFERENCES[kind]
    data.update(changes)
    return data


def test_preferences_save_frequency_and_changed_kinds(client, member):
    client.force_login(member)

    response = client.post(
        PREFERENCES_URL,
        _valid_post(kind_liked=KindPreference.OFF, kind_replied=KindPreference.DIGEST),
        follow=True,
    )

    assert b"Your notification preferences were saved." in response.content
    prefs = NotificationPreferences.objects.get(user=member)
    assert prefs.email_frequency == EmailFrequency.DAILY
    # Defaults are not copied in, so they can still change later.
    assert prefs.per_kind == {
        "liked": KindPreference.OFF,
        "replied": KindPreference.DIGEST,
    }
    form = response.context["form"]
    assert form["kind_liked"].value() == KindPreference.OFF
    assert form["email_frequency"].value() == EmailFrequency.DAILY


def test_preferences_back_to_default_forgets_the_choice(client, member):
    NotificationPreferences.objects.create(
        user=member, per_kind={"liked": KindPreference.OFF}
    )
    client.force_login(member)

    client.post(PREFERENCES_URL, _valid_post())

    assert NotificationPreferences.objects.get(user=member).per_kind == {}


def test_preferences_reject_unknown_choice_and_keep_what_was_chosen(client, member):
    client.force_login(member)

    response = client.post(
        PREFERENCES_URL,
        _valid_post(kind_liked=KindPreference.OFF, kind_quoted="loudly"),
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose right away, digest or off for “Quotes of your posts”." in html
    form = response.context["form"]
    assert form["kind_liked"].value() == KindPreference.OFF
    assert form["email_frequency"].value() == EmailFrequency.DAILY
    assert not NotificationPreferences.objects.filter(user=member).exists()


def test_preferences_require_a_frequency(client, member):
    client.force_login(member)

    response = client.post(PREFERENCES_URL, _valid_post(email_frequency=""))

    assert response.status_code == 400
    assert b"Choose how often to get email." in response.content


def test_preferences_ignore_brand_requests_posted_by_a_member(client, member):
    client.force_login(member)

    client.post(PREFERENCES_URL, _valid_post(kind_brand_request=KindPreference.OFF))

    assert NotificationPreferences.objects.get(user=member).per_kind == {}


def test_preferences_rep_can_turn_brand_requests_to_digest(client, brand_rep):
    client.force_login(brand_rep)

    client.post(PREFERENCES_URL, _valid_post(kind_brand_request=KindPreference.DIGEST))

    assert NotificationPreferences.objects.get(user=brand_rep).per_kind == {
        "brand_request": KindPreference.DIGEST
    }


def test_preferences_require_sign_in(client):
    response = client.get(PREFERENCES_URL)

    assert response.status_code == 302


def test_update_preferences_refuses_a_kind_not_offered(member):
    from django.core.exceptions import ValidationError

    from notifications.actions import update_preferences

    with pytest.raises(ValidationError, match="isn't a notification you can choose"):
        update_preferences(
            member,
            email_frequency=EmailFrequency.IMMEDIATELY,
            per_kind={NotificationKind.BRAND_REQUEST: KindPreference.OFF},
        )


def test_settings_nav_links_to_notification_preferences(client, member):
    client.force_login(member)

    html = client.get(reverse("accounts:settings")).content.decode()

    assert f'href="{PREFERENCES_URL}"' in html
