"""Warnings, silences and suspensions: the action, the form, and what a
sanctioned member can still do, over HTTP."""

from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import SUSPENDED_SESSION_KEY
from moderation.actions.sanctions import REVERSALS, sanction_user
from moderation.models import ActionKind, ModerationAction, Rule, Sanction
from tests.factories import (
    PASSWORD,
    make_admin,
    make_category,
    make_moderator,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule():
    return Rule.objects.create(number=1, title="Be kind")


def _url(user) -> str:
    return reverse("moderation:sanction", args=[user.username])


def _sanction(actor, user, kind, rule, *, days=None, hours=None, post=None):
    duration = None
    if days or hours:
        duration = timedelta(days=days or 0, hours=hours or 0)
    return sanction_user(
        actor,
        user,
        kind=kind,
        rule=rule,
        reason="Repeated insults",
        duration=duration,
        post=post,
    )


def _login(client, user, login=None):
    return client.post(
        reverse("account_login"),
        {"login": login or user.username, "password": PASSWORD},
    )


# --- The action -------------------------------------------------------------------------


def test_sanction_user_warns_without_changing_access(moderator, member, rule):
    action = _sanction(moderator, member, "warning", rule)

    member.refresh_from_db()
    assert (member.silenced_until, member.suspended_until) == (None, None)
    sanction = Sanction.objects.get()
    assert (sanction.kind, sanction.ends_at, sanction.created_by) == (
        "warning",
        None,
        moderator,
    )
    assert (action.kind, action.target_user, action.category) == (
        ActionKind.USER_WARNED,
        member,
        None,
    )
    assert action.details == {"sanction_id": sanction.pk}


def test_sanction_user_silences_until_the_end_of_the_duration(moderator, member, rule):
    before = timezone.now()

    action = _sanction(moderator, member, "silence", rule, days=3)

    member.refresh_from_db()
    assert member.is_silenced is True
    assert member.suspended_until is None
    end = member.silenced_until
    assert before + timedelta(days=3) <= end <= timezone.now() + timedelta(days=3)
    assert action.kind == ActionKind.USER_SILENCED
    assert action.details["until"] == end.isoformat()
    assert action.details["days"] == 3
    assert Sanction.objects.get().ends_at == end


def test_sanction_user_keeps_the_later_end(moderator, member, rule):
    _sanction(moderator, member, "suspension", rule, days=10)
    member.refresh_from_db()
    longer = member.suspended_until

    _sanction(moderator, member, "suspension", rule, days=1)

    member.refresh_from_db()
    assert member.suspended_until == longer
    assert Sanction.objects.count() == 2


@pytest.mark.parametrize(
    ("kind", "duration"),
    [
        ("silence", None),
        ("suspension", None),
        ("silence", timedelta(minutes=59)),
        ("suspension", timedelta(days=365, seconds=1)),
        ("warning", timedelta(days=1)),
    ],
)
def test_sanction_user_validates_the_duration(moderator, member, rule, kind, duration):
    with pytest.raises(ValidationError):
        sanction_user(
            moderator, member, kind=kind, rule=rule, reason="Insults", duration=duration
        )
    assert not Sanction.objects.exists()
    assert not ModerationAction.objects.exists()


@pytest.mark.parametrize("duration", [timedelta(hours=1), timedelta(days=365)])
def test_sanction_user_accepts_the_bounds(moderator, member, rule, duration):
    sanction_user(
        moderator,
        member,
        kind="silence",
        rule=rule,
        reason="Insults",
        duration=duration,
    )
    assert Sanction.objects.count() == 1


def test_sanction_user_requires_a_reason(moderator, member, rule):
    with pytest.raises(ValidationError):
        sanction_user(moderator, member, kind="warning", rule=rule, reason="  ")
    assert not Sanction.objects.exists()


def test_sanction_user_about_a_post_belongs_to_its_category(
    moderator, post, rule, category
):
    action = _sanction(moderator, post.author, "warning", rule, post=post)

    assert (action.category, action.topic, action.post) == (category, post.topic, post)


def test_sanction_user_refuses_a_post_by_someone_else(moderator, member, post, rule):
    with pytest.raises(ValidationError):
        _sanction(moderator, member, "warning", rule, post=post)
    assert not Sanction.objects.exists()


@pytest.mark.parametrize("target_kind", ["admin", "moderator", "self"])
def test_moderators_cannot_sanction_admins_moderators_or_themselves(
    moderator, admin_user, rule, target_kind
):
    target = {
        "admin": admin_user,
        "moderator": make_moderator(make_category("Other", slug="other"), "otto"),
        "self": moderator,
    }[target_kind]

    with pytest.raises(PermissionDenied):
        _sanction(moderator, target, "silence", rule, days=1)
    assert not Sanction.objects.exists()


def test_admin_can_sanction_a_moderator(admin_user, moderator, rule):
    _sanction(admin_user, moderator, "warning", rule)
    assert Sanction.objects.get().user == moderator


def test_brand_rep_and_member_cannot_sanction(brand_rep, member, other_member, rule):
    for actor in (brand_rep, member):
        with pytest.raises(PermissionDenied):
            _sanction(actor, other_member, "suspension", rule, days=1)
    other_member.refresh_from_db()
    assert other_member.suspended_until is None
    assert not Sanction.objects.exists()


def test_lift_sanction_recomputes_from_the_sanctions_left(moderator, member, rule):
    long = _sanction(moderator, member, "silence", rule, days=10)
    short = _sanction(moderator, member, "silence", rule, days=2)
    decider = make_admin("decider")

    REVERSALS[ActionKind.USER_SILENCED](decider, long)

    member.refresh_from_db()
    assert (
        member.silenced_until
        == Sanction.objects.get(pk=short.details["sanction_id"]).ends_at
    )
    assert Sanction.objects.get(pk=long.details["sanction_id"]).revoked_at is not None

    REVERSALS[ActionKind.USER_SILENCED](decider, short)

    member.refresh_from_db()
    assert member.silenced_until is None
    assert ModerationAction.objects.count() == 2  # reversal writes no action


def test_lifting_a_suspension_lets_the_member_sign_in(client, moderator, member, rule):
    action = _sanction(moderator, member, "suspension", rule, days=5)

    REVERSALS[ActionKind.USER_SUSPENDED](make_admin("decider"), action)

    _login(client, member)
    assert client.session.get("_auth_user_id") == str(member.pk)


# --- The form -----------------------------------------------------------------------------


def test_sanction_view_shows_the_form_to_a_moderator(client, moderator, member):
    client.force_login(moderator)

    response = client.get(_url(member))

    assert response.status_code == 200
    assert b"Sanction" in response.content
    assert b'name="duration_days"' in response.content


def test_sanction_view_silences_and_redirects_to_the_profile(
    client, moderator, member, rule
):
    client.force_login(moderator)

    response = client.post(
        _url(member),
        {
            "kind": "silence",
            "duration_days": "2",
            "duration_hours": "6",
            "rule": str(rule.pk),
            "reason": "Repeated insults",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == member.get_absolute_url()
    member.refresh_from_db()
    assert member.is_silenced is True
    action = ModerationAction.objects.get()
    assert (action.kind, action.details["days"], action.details["hours"]) == (
        ActionKind.USER_SILENCED,
        2,
        54,
    )


def test_sanction_view_about_a_post_redirects_to_it_with_a_tombstone(
    client, moderator, post, rule
):
    client.force_login(moderator)
    url = _url(post.author) + f"?post={post.pk}"
    assert f'value="{post.pk}"'.encode() in client.get(url).content

    response = client.post(
        _url(post.author),
        {"kind": "warning", "post": str(post.pk), "rule": "", "reason": "Too harsh"},
    )

    assert response.status_code == 302
    assert response["Location"] == post.topic.get_post_url(post.number)
    action = ModerationAction.objects.get()
    assert (action.post, action.category) == (post, post.topic.category)
    client.logout()
    page = client.get(post.topic.get_absolute_url()).content.decode()
    assert "Warned a member" in page
    assert "Too harsh" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "silence"}, "Say how long the silence lasts"),
        ({"kind": "suspension", "duration_days": "0"}, "Say how long"),
        ({"kind": "warning", "duration_days": "3"}, "A warning has no duration"),
        ({"kind": "suspension", "duration_days": "400"}, "less than or equal to 365"),
        (
            {"kind": "suspension", "duration_days": "365", "duration_hours": "1"},
            "The longest sanction is 365 days",
        ),
        ({"kind": "banish", "duration_days": "3"}, "Select a valid choice"),
    ],
)
def test_sanction_view_refuses_bad_durations_with_400(
    client, moderator, member, rule, data, message
):
    client.force_login(moderator)

    response = client.post(
        _url(member), {"rule": str(rule.pk), "reason": "Repeated insults", **data}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert b"Repeated insults" in response.content  # what was typed stays
    assert not Sanction.objects.exists()


def test_sanction_view_refuses_brand_reps_on_get_and_post(
    client, brand_rep, member, rule
):
    client.force_login(brand_rep)

    get = client.get(_url(member))
    post = client.post(
        _url(member),
        {
            "kind": "suspension",
            "duration_days": "30",
            "rule": str(rule.pk),
            "reason": "x",
        },
    )

    assert get.status_code == 403
    assert post.status_code == 403
    assert b"Brand representatives never sanction members" in post.content
    member.refresh_from_db()
    assert member.suspended_until is None
    assert not Sanction.objects.exists()
    assert not ModerationAction.objects.exists()


def test_sanction_view_refuses_moderators_sanctioning_admins_or_moderators(
    client, moderator, admin_user, rule
):
    other = make_moderator(make_category("Other", slug="other"), "otto")
    client.force_login(moderator)
    data = {"kind": "silence", "duration_days": "1", "rule": "", "reason": "x"}

    assert client.post(_url(admin_user), data).status_code == 403
    assert client.post(_url(other), data).status_code == 403
    assert client.get(_url(other)).status_code == 403
    assert not Sanction.objects.exists()


def test_sanction_view_for_unknown_member_is_404(client, moderator):
    client.force_login(moderator)
    assert client.get("/u/nobody-here/sanction/").status_code == 404


# --- What a sanctioned member can do ----------------------------------------------------------


def test_silenced_member_can_read_but_not_reply(client, moderator, member, topic, rule):
    _sanction(moderator, member, "silence", rule, days=1)
    client.force_login(member)

    page = client.get(topic.get_absolute_url())
    reply = client.post(
        reverse("forum:reply", args=[topic.pk]), {"body": "Hello again"}
    )
    new_topic = client.post(
        reverse("forum:topic_start", args=[topic.category.slug]),
        {"title": "A brand new topic", "body": "Hello"},
    )

    assert page.status_code == 200
    assert reply.status_code == 403
    assert "You are silenced until" in reply.content.decode()
    assert new_topic.status_code == 403
    assert topic.posts.count() == 1


def test_suspended_member_cannot_sign_in(client, moderator, member, rule):
    _sanction(moderator, member, "suspension", rule, days=7)

    by_name = _login(client, member)
    by_email = _login(client, member, login=member.email)

    assert "_auth_user_id" not in client.session
    assert by_name.status_code == 200  # the form again, with the error
    assert "Your account is suspended until" in by_email.content.decode()
    assert authenticate(username=member.username, password=PASSWORD) is None


def test_suspended_member_with_wrong_password_learns_nothing(
    client, moderator, member, rule
):
    _sanction(moderator, member, "suspension", rule, days=7)

    response = client.post(
        reverse("account_login"), {"login": member.username, "password": "wrong-one"}
    )

    assert "suspended" not in response.content.decode()


def test_suspension_ends_an_open_session(client, moderator, member, topic, rule):
    client.force_login(member)
    assert client.get(topic.get_absolute_url()).status_code == 200

    _sanction(moderator, member, "suspension", rule, days=7)
    response = client.get(topic.get_absolute_url())

    assert response.status_code == 302
    assert response["Location"] == reverse("moderation:suspended")
    assert "_auth_user_id" not in client.session
    assert client.session[SUSPENDED_SESSION_KEY]
    page = client.get(response["Location"])
    member.refresh_from_db()
    assert page.status_code == 200
    assert "Your account is suspended" in page.content.decode()
    assert f"{member.suspended_until:%Y}" in page.content.decode()
    # From there on, an anonymous visitor who reads as usual.
    assert client.get(topic.get_absolute_url()).status_code == 200


def test_suspension_ends_an_htmx_session_with_a_redirect_header(
    client, moderator, member, rule
):
    client.force_login(member)
    _sanction(moderator, member, "suspension", rule, days=7)

    response = client.get("/", headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("moderation:suspended")


def test_expired_suspension_lets_the_member_sign_in(client, moderator, member, rule):
    _sanction(moderator, member, "suspension", rule, days=7)
    type(member).objects.filter(pk=member.pk).update(
        suspended_until=timezone.now() - timedelta(minutes=1)
    )

    _login(client, member)

    assert client.session.get("_auth_user_id") == str(member.pk)
