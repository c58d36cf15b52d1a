"""A newcomer's welcome (issue 20): shown from sign-up until dismissed,
pointing to the rules, how the community works and where to say hello;
dismissed with a plain form post, or in place with htmx."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD, make_category, make_user

pytestmark = pytest.mark.django_db


def _sign_up_and_confirm(client, name="newcomer"):
    client.post(
        reverse("account_signup"),
        {
            "username": name,
            "email": f"{name}@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    body = str(mail.outbox[-1].body)
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", body)[1]
    return client.post(link, follow=True)


def test_a_new_member_is_welcomed_with_the_rules_how_it_works_and_introductions(
    client,
):
    make_category("Introductions", slug="introductions")
    response = _sign_up_and_confirm(client)
    page = response.content.decode()

    assert "Welcome to Hearth, newcomer" in page
    welcome = page.split('id="welcome"')[1].split("</section>")[0]
    assert f'href="{reverse("moderation:rules")}"' in welcome
    assert f'href="{reverse("permissions:how_it_works")}"' in welcome
    assert "peer resources" in welcome
    assert 'href="/c/introductions/"' in welcome
    # On the next page too, until dismissed.
    assert 'id="welcome"' in client.get("/latest/").content.decode()


def test_dismissing_without_javascript_comes_back_and_stays_dismissed(client):
    _sign_up_and_confirm(client)

    response = client.post(reverse("accounts:welcome_dismiss"), {"next": "/latest/"})

    assert response.status_code == 302
    assert response["Location"] == "/latest/"
    assert 'id="welcome"' not in client.get("/").content.decode()
    assert User.objects.get(username="newcomer").welcome_pending is False


def test_dismissing_with_htmx_removes_it_in_place(client):
    _sign_up_and_confirm(client)

    response = client.post(reverse("accounts:welcome_dismiss"), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response.content == b""
    assert 'id="welcome"' not in client.get("/").content.decode()


def test_dismiss_never_redirects_to_another_site(client):
    _sign_up_and_confirm(client)

    response = client.post(
        reverse("accounts:welcome_dismiss"), {"next": "https://evil.example/"}
    )

    assert response["Location"] == "/"


def test_existing_members_and_visitors_see_no_welcome(client):
    assert 'id="welcome"' not in client.get("/").content.decode()
    client.force_login(make_user("oldcrema"))
    assert 'id="welcome"' not in client.get("/").content.decode()
    # Dismissing needs a signed-in member and a POST.
    client.logout()
    assert client.post(reverse("accounts:welcome_dismiss")).status_code == 302
    client.force_login(make_user("sam"))
    assert client.get(reverse("accounts:welcome_dismiss")).status_code == 405
