"""Invitations over HTTP: an invite link used, expired and exhausted; sign-up
through it still verifies the email address; admins see who invited whom."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import actions
from accounts.models import (
    CommunityGroup,
    GroupMembership,
    Invitation,
    InvitedSignup,
    JoinPolicy,
    User,
)
from accounts.roles import TrustLevel
from tests.factories import (
    PASSWORD,
    make_admin,
    make_brand_rep,
    make_category,
    make_moderator,
    make_user,
)

pytestmark = pytest.mark.django_db

INVITE = reverse("accounts:invitations")


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _sign_up(client, username):
    return client.post(
        reverse("account_signup"),
        {
            "username": username,
            "email": f"{username}@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def _make_link(user, **form) -> str:
    response = _client(user).post(INVITE, {"max_uses": "1", "days": "7", **form})
    assert response.status_code == 302, response.content
    return Invitation.objects.filter(created_by=user).latest("pk").get_absolute_url()


def test_an_invite_used_verifies_the_email_and_records_who_invited(settings):
    settings.SITE_NAME = "Home Espresso Commons"
    kwame = make_user("kwame", trust_level=TrustLevel.MEMBER)
    link = _make_link(kwame)
    visitor = _client()

    landing = visitor.get(link)
    assert landing.status_code == 200
    assert b"kwame invites you" in landing.content
    response = _sign_up(visitor, "friend")

    # Nothing skipped: the verification email, and no sign-in before it.
    assert response["Location"] == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 1
    assert "confirm-email" in str(mail.outbox[0].body)
    friend = User.objects.get(username="friend")
    assert EmailAddress.objects.get(user=friend).verified is False
    signup = InvitedSignup.objects.get(user=friend)
    assert signup.invited_by == kwame
    invitation = Invitation.objects.get()
    assert invitation.uses == 1
    # The member sees the use; an admin sees who invited whom.
    assert b"used 1 of 1" in _client(kwame).get(INVITE).content
    admin_page = _client(make_admin("ines")).get(
        reverse("admin:accounts_invitedsignup_changelist")
    )
    assert admin_page.status_code == 200
    assert b"friend" in admin_page.content and b"kwame" in admin_page.content


def test_an_expired_invite_is_refused_with_a_clear_message():
    kwame = make_user("kwame")
    invitation = actions.create_invitation(
        kwame, days=1, now=timezone.now() - timedelta(days=2)
    )
    visitor = _client()

    landing = visitor.get(invitation.get_absolute_url())

    assert landing.status_code == 410
    assert b"This invitation has expired" in landing.content
    _sign_up(visitor, "latecomer")
    assert not InvitedSignup.objects.exists()
    assert User.objects.filter(username="latecomer").exists()  # still may sign up


def test_an_exhausted_invite_is_refused_and_counts_no_further():
    kwame = make_user("kwame")
    invitation = actions.create_invitation(kwame, max_uses=1)
    first, second = _client(), _client()
    # Both open the link while it is still unused ...
    assert first.get(invitation.get_absolute_url()).status_code == 200
    assert second.get(invitation.get_absolute_url()).status_code == 200

    _sign_up(first, "first")
    _sign_up(second, "second")  # ... the second sign-up finds it used up

    assert list(InvitedSignup.objects.values_list("user__username", flat=True)) == [
        "first"
    ]
    invitation.refresh_from_db()
    assert invitation.uses == 1
    landing = _client().get(invitation.get_absolute_url())
    assert landing.status_code == 410
    assert b"used as many times as it allows" in landing.content


def test_a_multi_use_invite_into_an_invitation_group_adds_each_member():
    category = make_category("Roasting", slug="roasting")
    moderator = make_moderator(category, "mira")
    group = CommunityGroup.objects.create(
        name="Roasters", slug="roasters", join_policy=JoinPolicy.INVITATION
    )
    make_category(
        "Roasters lab", slug="roasters-lab", parent=category, restricted_to=group
    )
    link = _make_link(moderator, max_uses="2", group="roasters")

    for username in ("ana", "ben"):
        visitor = _client()
        visitor.get(link)
        _sign_up(visitor, username)

    assert set(
        GroupMembership.objects.filter(group=group).values_list(
            "user__username", flat=True
        )
    ) == {"ana", "ben"}


def test_who_may_invite():
    refused = {
        "new": make_user("newbie", trust_level=TrustLevel.BASIC),
        "rep": make_brand_rep("marco"),
    }
    for who, user in refused.items():
        response = _client(user).post(INVITE, {"max_uses": "1", "days": "7"})
        assert response.status_code == 403, who
        assert b"Make an invite link" not in _client(user).get(INVITE).content
    assert not Invitation.objects.exists()
    # A member may not invite into a group (its managers do).
    CommunityGroup.objects.create(
        name="Roasters", slug="roasters", join_policy=JoinPolicy.INVITATION
    )
    member = make_user("kwame")
    response = _client(member).post(
        INVITE, {"max_uses": "1", "days": "7", "group": "roasters"}
    )
    assert response.status_code == 400
    assert b"Only the group&#x27;s managers" in response.content
    bad = _client(member).post(INVITE, {"max_uses": "500", "days": "7"})
    assert bad.status_code == 400
    assert b"1 to 50 sign-ups" in bad.content
    assert b'value="500"' in bad.content
