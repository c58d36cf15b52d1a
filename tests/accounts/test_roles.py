"""Brand representatives never hold moderator or admin powers — refused in
actions, admin forms and the model layer."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts import actions
from accounts.models import User
from accounts.roles import Role
from moderation.models import AuditEntry, ModeratorAssignment
from tests.factories import make_brand, make_brand_rep, make_moderator, make_user

pytestmark = pytest.mark.django_db


def test_admin_verifies_brand_rep_with_audit(admin_user, member):
    actions.verify_brand_rep(
        admin_user, member, make_brand(), reason="Works at Brevetto"
    )

    member.refresh_from_db()
    assert member.role == Role.BRAND_REP
    assert member.brand.name == "Brevetto"
    assert member.brand_since is not None
    assert AuditEntry.objects.get().verb == "brand_rep.verified"


def test_moderator_cannot_become_brand_rep(admin_user, category):
    moderator = make_moderator(category, "mira")

    with pytest.raises(ValidationError, match="volunteer moderator"):
        actions.verify_brand_rep(admin_user, moderator, make_brand())
    moderator.refresh_from_db()
    assert moderator.role == Role.MEMBER


def test_admin_cannot_become_brand_rep(admin_user):
    other_admin = make_user("boss", role=Role.ADMIN, is_staff=True)

    with pytest.raises(ValidationError, match="administrator"):
        actions.verify_brand_rep(admin_user, other_admin, make_brand())


def test_brand_rep_cannot_be_assigned_moderator(admin_user, category):
    rep = make_brand_rep("marco")

    with pytest.raises(ValidationError, match="never moderate"):
        actions.assign_moderator(admin_user, rep, category)
    assert ModeratorAssignment.objects.count() == 0


def test_model_layer_refuses_rep_assignment(category):
    rep = make_brand_rep("marco")

    with pytest.raises(ValidationError):
        ModeratorAssignment.objects.create(user=rep, category=category)


def test_database_refuses_staff_brand_rep():
    rep = make_brand_rep("marco")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=rep.pk).update(is_staff=True)


def test_model_layer_refuses_staff_brand_rep():
    rep = make_brand_rep("marco")
    rep.is_superuser = True

    with pytest.raises(ValidationError, match="never hold staff"):
        rep.save()


def test_only_admins_manage_roles(member, other_member, category):
    with pytest.raises(Exception, match="Only administrators"):
        actions.assign_moderator(member, other_member, category)
    with pytest.raises(Exception, match="Only administrators"):
        actions.verify_brand_rep(member, other_member, make_brand())


def test_revoked_rep_posts_keep_their_label(admin_user, topic):
    from forum import actions as forum_actions

    rep = make_brand_rep("marco")
    post = forum_actions.reply_to_topic(rep, topic, body="Official info.")

    actions.revoke_brand_rep(admin_user, rep, reason="Left the company")

    rep.refresh_from_db()
    post.refresh_from_db()
    assert rep.role == Role.MEMBER
    assert post.author_role == "brand_rep"
    assert post.author_brand.name == "Brevetto"


def test_set_trust_level_needs_reason_and_locks(admin_user, member):
    with pytest.raises(ValidationError, match="reason"):
        actions.set_trust_level(admin_user, member, 3, reason=" ")

    actions.set_trust_level(admin_user, member, 3, reason="Long-time helper")

    member.refresh_from_db()
    assert (member.trust_level, member.trust_level_locked) == (3, True)
    entry = AuditEntry.objects.get()
    assert entry.details == {"previous": 2, "level": 3}


def test_trust_level_never_grants_moderation(category):
    leader = make_user("leader", trust_level=4)
    from permissions import policy

    assert policy.moderates(leader, category) is False


def test_brand_rep_is_refused_from_the_admin_site(client):
    rep = make_brand_rep("marco")
    client.force_login(rep)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_user_form_refuses_making_moderator_a_rep(client, admin_user, category):
    moderator = make_moderator(category, "mira")
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    url = f"/admin/accounts/user/{moderator.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data: dict[str, Any] = {}
    for key, value in form.initial.items():
        if isinstance(value, bool):
            if value:
                data[key] = "on"
        elif isinstance(value, str | int):
            data[key] = value
    data.update(
        {
            "username": moderator.username,
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "new_brand": str(make_brand().pk),
            "role_reason": "Joined Brevetto",
            "is_active": "on",
        }
    )

    response = client.post(url, data)

    assert response.status_code == 200
    assert b"volunteer moderator" in response.content
    moderator.refresh_from_db()
    assert moderator.role == Role.MEMBER


def test_unlock_trust_level_hands_it_back(admin_user, member):
    actions.set_trust_level(admin_user, member, 3, reason="Helper")

    actions.unlock_trust_level(admin_user, member, reason="Back to automatic")

    member.refresh_from_db()
    assert member.trust_level_locked is False
    assert AuditEntry.objects.filter(verb="user.trust_level_unlocked").count() == 1
