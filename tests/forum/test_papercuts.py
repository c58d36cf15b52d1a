"""Papercuts from trying Hearth as a newcomer would (issue 20), each pinned
by what people see."""

import pytest
from django.urls import reverse

from forum import actions
from moderation.actions.flags import decide_flags
from moderation.models import Flag
from tests.factories import (
    make_brand,
    make_category,
    make_moderator,
    make_post,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db


# --- After flagging, the post says so -------------------------------------------------


def _footer(page: str, post) -> str:
    return page.split(f'id="post-{post.number}"')[1].split("</footer>")[0]


def test_after_flagging_the_post_shows_you_flagged_this_not_the_button(client):
    member = make_user("sam")
    post = make_post(make_topic(make_category("Espresso")))
    other = make_post(post.topic)
    client.force_login(member)
    flag_url = reverse("moderation:flag_post", args=[post.pk])

    client.post(flag_url, {"kind": "spam"})
    page = client.get(post.topic.get_absolute_url()).content.decode()

    assert "You flagged this" in _footer(page, post)
    assert f'href="{flag_url}"' not in page
    # Only the post they flagged, and only for them.
    other_flag = reverse("moderation:flag_post", args=[other.pk])
    assert f'href="{other_flag}"' in _footer(page, other)
    client.force_login(make_user("lena"))
    page = client.get(post.topic.get_absolute_url()).content.decode()
    assert "You flagged this" not in page
    assert f'href="{flag_url}"' in page


def test_once_the_flag_is_decided_the_flag_button_comes_back(client):
    category = make_category("Espresso")
    member = make_user("sam")
    post = make_post(make_topic(category))
    client.force_login(member)
    client.post(reverse("moderation:flag_post", args=[post.pk]), {"kind": "spam"})
    decide_flags(
        make_moderator(category), post, decision="disagree", reason="Not spam."
    )
    assert Flag.objects.get().status == "disagreed"

    page = client.get(post.topic.get_absolute_url()).content.decode()

    assert "You flagged this" not in page
    assert f'href="{reverse("moderation:flag_post", args=[post.pk])}"' in page


# --- After asking the brand, the topic shows the status ---------------------------------


def test_after_asking_the_brand_the_offer_gives_way_to_the_status(client):
    make_brand()
    asker = make_user("sam")
    topic = make_topic(make_category("Duo"), make_user("lena"))
    client.force_login(asker)
    before = client.get(topic.get_absolute_url()).content.decode()
    assert "Ask the brand to respond" in before

    response = client.post(
        reverse("forum:ask_brand", args=[topic.pk]),
        {"brand": make_brand().pk, "note": "Known issue?"},
    )
    assert response.status_code == 302
    page = client.get(topic.get_absolute_url()).content.decode()

    assert "Ask the brand to respond" not in page
    assert "Brand response requested" in page
    assert "You asked Brevetto to respond" in page
    # Another member sees the status, not a second offer.
    client.force_login(make_user("dadbrews"))
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "Brand response requested" in page
    assert "Ask the brand to respond" not in page
    assert "You asked" not in page


def test_once_the_brand_answered_members_may_ask_again(client):
    brand = make_brand()
    asker = make_user("sam")
    topic = make_topic(make_category("Duo"), make_user("lena"))
    actions.ask_brand(asker, topic, brand)
    rep = make_user("marco", role="brand_rep", brand=brand)
    actions.reply_to_topic(rep, topic, body="It's the gasket: here is how to check.")
    client.force_login(asker)

    page = client.get(topic.get_absolute_url()).content.decode()

    assert "Brand responded" in page
    assert "You asked" not in page
    assert "Ask the brand to respond" in page


# --- The first post comes first -------------------------------------------------------


def test_the_watch_control_sits_under_the_posts_not_above_the_first_post(client):
    topic = make_topic(make_category("Espresso"), replies=2)
    client.force_login(make_user("sam"))

    page = client.get(topic.get_absolute_url()).content.decode()

    first_post = page.index('id="post-1"')
    watch = page.index('class="watch-form"')
    assert page.index('id="post-3"') < watch
    assert first_post < watch
    assert page.index('class="topic-title"') < first_post


# --- Confirming the address ------------------------------------------------------------


def test_confirming_in_the_same_browser_signs_in_elsewhere_asks_to_sign_in(client):
    import re

    from allauth.account.models import EmailAddress
    from django.core import mail
    from django.test import Client

    from accounts.models import User

    def sign_up(browser, name):
        browser.post(
            reverse("account_signup"),
            {
                "username": name,
                "email": f"{name}@example.org",
                "password1": "a long and unusual passphrase",
                "password2": "a long and unusual passphrase",
            },
        )
        message = next(m for m in mail.outbox if f"{name}@example.org" in m.to)
        return re.search(
            r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", str(message.body)
        )[1]

    link = sign_up(client, "newcomer")
    response = client.post(link, follow=True)
    assert response.context["user"].username == "newcomer"
    assert "Menu<span" in response.content.decode()

    link = sign_up(Client(), "traveller")
    other_device = Client()
    response = other_device.post(link)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in other_device.session
    user = User.objects.get(username="traveller")
    assert EmailAddress.objects.get(user=user).verified is True
