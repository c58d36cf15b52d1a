"""One-click unsubscribe: signed tokens, and the page mail providers POST to."""

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from notifications.emails import deliver_email
from notifications.models import (
    Delivery,
    EmailFrequency,
    Event,
    KindPreference,
    NotificationKind,
    NotificationPreferences,
)
from notifications.tasks import dispatch_event
from notifications.unsubscribe import ALL, BadToken, make_token, read_token
from tests.factories import make_post

pytestmark = pytest.mark.django_db

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def unsubscribe_path(token: str) -> str:
    return reverse("notifications_email:unsubscribe", args=[token])


@pytest.fixture
def csrf_client():
    """A mail provider: no session, no cookies, CSRF checks on."""
    return Client(enforce_csrf_checks=True)


def test_read_token_returns_what_make_token_signed(member):
    for kind in [NotificationKind.MENTIONED, ALL]:
        wanted = read_token(make_token(member, kind))

        assert (wanted.user_id, wanted.kind) == (member.pk, kind)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2],
        # Someone else's account with this token's signature.
        lambda token: (
            signing.b64_encode(b'[999999,"all"]').decode()
            + ":"
            + token.rsplit(":", 1)[1]
        ),
        lambda token: "",
        lambda token: "not-a-token",
        lambda token: signing.Signer(salt="another.salt").sign_object([1, "all"]),
    ],
)
def test_read_token_refuses_a_token_it_did_not_make(member, tamper):
    with pytest.raises(BadToken):
        read_token(tamper(make_token(member, ALL)))


def test_read_token_refuses_a_signed_value_of_the_wrong_shape():
    token = signing.Signer(salt="hearth.unsubscribe").sign_object({"user": 1})

    with pytest.raises(BadToken):
        read_token(token)


def test_make_token_refuses_an_unknown_kind(member):
    with pytest.raises(ValueError, match="Unknown notification kind"):
        make_token(member, "newsletter")


def test_unsubscribe_page_get_asks_for_confirmation_and_changes_nothing(client, member):
    response = client.get(unsubscribe_path(make_token(member, "replied")))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Replies to your topics and posts" in content
    assert 'method="post"' in content
    assert not NotificationPreferences.objects.filter(user=member).exists()


def test_unsubscribe_one_click_post_without_session_turns_the_kind_off(
    csrf_client, member
):
    response = csrf_client.post(
        unsubscribe_path(make_token(member, "replied")), ONE_CLICK
    )

    assert response.status_code == 200
    assert "unsubscribed" in response.content.decode()
    prefs = NotificationPreferences.objects.get(user=member)
    assert prefs.per_kind == {"replied": KindPreference.OFF}
    assert prefs.email_frequency == EmailFrequency.IMMEDIATELY


def test_unsubscribe_post_keeps_the_other_kind_choices(csrf_client, member):
    NotificationPreferences.objects.create(
        user=member, per_kind={"liked": KindPreference.IMMEDIATELY}
    )

    csrf_client.post(unsubscribe_path(make_token(member, "mentioned")), ONE_CLICK)

    assert NotificationPreferences.objects.get(user=member).per_kind == {
        "liked": KindPreference.IMMEDIATELY,
        "mentioned": KindPreference.OFF,
    }


def test_unsubscribe_from_all_sets_email_frequency_never(csrf_client, member):
    NotificationPreferences.objects.create(
        user=member, email_frequency=EmailFrequency.DAILY
    )

    response = csrf_client.post(unsubscribe_path(make_token(member, ALL)), ONE_CLICK)

    assert response.status_code == 200
    prefs = NotificationPreferences.objects.get(user=member)
    assert prefs.email_frequency == EmailFrequency.NEVER


def test_unsubscribe_post_twice_is_harmless(csrf_client, member):
    path = unsubscribe_path(make_token(member, ALL))

    first = csrf_client.post(path, ONE_CLICK)
    second = csrf_client.post(path, ONE_CLICK)

    assert (first.status_code, second.status_code) == (200, 200)
    assert NotificationPreferences.objects.filter(user=member).count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_unsubscribe_with_a_bad_token_answers_400_with_an_explanation(
    csrf_client, method
):
    response = getattr(csrf_client, method)(unsubscribe_path("WzEsImFsbCJd:forged"))

    assert response.status_code == 400
    assert "This unsubscribe link doesn't work" in response.content.decode()
    assert not NotificationPreferences.objects.exists()


def test_unsubscribe_for_a_deleted_account_answers_400(csrf_client, member):
    path = unsubscribe_path(make_token(member, ALL))
    member.delete()

    response = csrf_client.post(path, ONE_CLICK)

    assert response.status_code == 400


def test_unsubscribe_link_from_a_sent_email_stops_the_next_one(
    settings, csrf_client, topic, member, other_member
):
    """End to end: the List-Unsubscribe URL of a real email, POSTed one-click,
    stops an email already queued for the same kind."""
    settings.SITE_URL = "https://forum.example.org"
    make_post(topic, other_member, body="First answer.")
    make_post(topic, other_member, body="Second answer.")
    for event in Event.objects.filter(dispatched_at__isnull=True):
        dispatch_event(event.pk)
    first, second = Delivery.objects.filter(
        recipient=member, channel=Delivery.Channel.EMAIL
    ).order_by("pk")
    deliver_email(first.pk)
    header = mail.outbox[0].extra_headers["List-Unsubscribe"]
    path = header.removeprefix("<https://forum.example.org").removesuffix(">")

    response = csrf_client.post(path, ONE_CLICK)
    deliver_email(second.pk)

    assert response.status_code == 200
    assert len(mail.outbox) == 1
    second.refresh_from_db()
    assert (second.status, second.detail) == (Delivery.Status.SKIPPED, "preference off")
