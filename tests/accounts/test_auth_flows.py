"""Sign-up → verification → login → logout → password reset, over HTTP."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-long-passphrase-42"


def _link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def _sign_up(client, username="newcomer", email="newcomer@example.com"):
    return client.post(
        reverse("account_signup"),
        {
            "username": username,
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def test_signup_sends_verification_and_login_waits_for_it(client):
    response = _sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(username="newcomer").exists() is True
    assert len(mail.outbox) == 1
    assert "confirm-email" in _link(mail.outbox[0])
    # Mandatory verification: signing in before confirming is not possible.
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "newcomer", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_verification_link_confirms_and_signs_in(client):
    _sign_up(client)
    link = _link(mail.outbox[0])

    page = client.get(link)
    assert page.status_code == 200
    response = client.post(link)

    assert response.status_code == 302
    user = User.objects.get(username="newcomer")
    assert EmailAddress.objects.get(user=user).verified is True
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize("login", ["alice", "alice@example.com"])
def test_login_by_username_or_email_then_logout(client, login):
    user = make_user("alice")

    response = client.post(
        reverse("account_login"), {"login": login, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)

    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_login_with_wrong_password_shows_error_and_keeps_login(client):
    make_user("alice")

    response = client.post(
        reverse("account_login"), {"login": "alice", "password": "nope"}
    )

    assert response.status_code == 200
    assert b"not correct" in response.content
    assert b'value="alice"' in response.content


def test_password_reset_sets_new_password(client):
    make_user("alice")

    response = client.post(
        reverse("account_reset_password"), {"email": "alice@example.com"}
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = _link(mail.outbox[0])

    response = client.get(link)  # allauth moves the key into the session
    assert response.status_code == 302
    set_url = response["Location"]
    response = client.post(
        set_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302

    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "alice", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_password_reset_does_not_reveal_whether_email_is_registered(client):
    make_user("alice")

    known = client.post(
        reverse("account_reset_password"), {"email": "alice@example.com"}
    )
    unknown = client.post(
        reverse("account_reset_password"), {"email": "nobody@example.com"}
    )

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_signup_with_taken_email_does_not_reveal_it(client):
    make_user("alice")

    response = _sign_up(client, username="alice2", email="alice@example.com")

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert b"already" not in client.get(response["Location"]).content


def test_password_change_requires_current_password(client):
    user = make_user("alice")
    client.force_login(user)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "wrong", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) is True


def test_email_change_sends_verification_to_new_address(client):
    user = make_user("alice")
    client.force_login(user)

    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "alice.new@example.com"}
    )

    assert response.status_code == 302
    assert mail.outbox[-1].to == ["alice.new@example.com"]
    assert EmailAddress.objects.filter(
        user=user, email="alice.new@example.com", verified=False
    ).exists()


def test_failed_logins_are_rate_limited(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/ip"}
    make_user("alice")

    statuses = [
        client.post(
            reverse("account_login"), {"login": "alice", "password": "x"}
        ).status_code
        for _ in range(5)
    ]

    assert statuses[:3] == [200, 200, 200]
    assert (
        429 in statuses[3:]
        or b"Too many"
        in client.post(
            reverse("account_login"), {"login": "alice", "password": "x"}
        ).content
    )


@pytest.mark.parametrize(
    "name", ["account_login", "account_signup", "account_reset_password"]
)
def test_account_pages_use_hearth_layout(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 200
    assert b'class="site-header"' in response.content
    assert b"auth-card" in response.content


def test_signup_honeypot_rejects_bots(client):
    response = client.post(
        reverse("account_signup"),
        {
            "username": "botty",
            "email": "bot@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "website": "http://spam.example",
        },
    )

    assert response.status_code == 200
    assert b"could not be accepted" in response.content
    assert User.objects.filter(username="botty").exists() is False
