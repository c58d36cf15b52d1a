"""Community groups over HTTP: applying, deciding, access, expiry, removal,
recommendations, ending a beta, @group mentions and expert groups."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import ProtectedError
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import CommunityGroup, GroupMembership, JoinPolicy, MentionPolicy
from forum import actions as forum_actions
from forum.models import CategoryKind, Topic
from groups import actions, beta
from groups.models import ApplicationStatus, ExpertRoute, GroupApplication
from groups.tasks import expire_memberships
from moderation.models import AuditEntry, ModerationAction
from notifications.emails import deliver_email
from notifications.models import Delivery, Event, Notification, NotificationKind
from notifications.tasks import dispatch_event
from permissions import policy
from permissions.policy import Perm
from tests.factories import (
    PASSWORD,
    make_admin,
    make_brand_rep,
    make_category,
    make_group,
    make_moderator,
    make_post,
    make_tag,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

TERMS = "Firmware builds are confidential until release. Report bugs in the Beta lab."


def _deliver() -> None:
    for event in Event.objects.filter(dispatched_at__isnull=True).order_by("pk"):
        dispatch_event(event.pk)
    for delivery_id in Delivery.objects.filter(
        channel=Delivery.Channel.EMAIL, status=Delivery.Status.PENDING
    ).values_list("pk", flat=True):
        deliver_email(delivery_id)


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def beta_world():
    group = make_group("Beta testers")
    CommunityGroup.objects.filter(pk=group.pk).update(
        join_policy=JoinPolicy.APPLICATION,
        questions="Which machine do you use?\nHow often do you pull shots?",
        terms=TERMS,
        terms_version=2,
        description="Test pre-release firmware with Brevetto.",
    )
    group.refresh_from_db()
    lab = make_category("Beta lab", slug="beta-lab", restricted_to=group)
    moderator = make_moderator(lab, "mira")
    tester = make_user("tess")
    topic = make_topic(lab, moderator, title="Firmware 2.1 feedback thread")
    return {
        "group": group,
        "lab": lab,
        "moderator": moderator,
        "tester": tester,
        "topic": topic,
        "rep": make_brand_rep("marco"),
    }


def _apply(client: Client, group: CommunityGroup, *, accept_terms: bool = True):
    data = {"answer-0": "A Brevetto Duo", "answer-1": "Twice a day"}
    if accept_terms:
        data["accept_terms"] = "on"
    return client.post(reverse("groups:group_apply", args=[group.slug]), data)


def test_apply_accept_access_expiry_access_gone(beta_world):
    group, lab, tester = beta_world["group"], beta_world["lab"], beta_world["tester"]
    topic = beta_world["topic"]
    member = _client(tester)
    assert member.get(lab.get_absolute_url()).status_code == 404
    listing = member.get(reverse("groups:group_list"))
    assert b"Beta testers" in listing.content

    # Applying without accepting the terms is refused, the answers kept.
    refused = _apply(member, group, accept_terms=False)
    assert refused.status_code == 400
    assert b"accept the group" in refused.content
    assert b"Twice a day" in refused.content
    assert _apply(member, group).status_code == 302
    application = GroupApplication.objects.get(applicant=tester)
    assert application.terms_version == 2
    assert application.terms_accepted_at is not None
    assert application.answers[1] == {
        "question": "How often do you pull shots?",
        "answer": "Twice a day",
    }
    # A second application while one waits is refused with a message.
    again = _apply(member, group)
    assert b"already waiting" in again.content

    manager = _client(beta_world["moderator"])
    page = manager.get(reverse("groups:group_manage", args=[group.slug]))
    assert b"Twice a day" in page.content and b"version 2" in page.content
    ends = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = manager.post(
        reverse("groups:group_decide", args=[group.slug, application.pk]),
        {"decision": "accept", "reason": "Welcome aboard.", "expires_on": ends},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    assert AuditEntry.objects.filter(
        verb="group.application_accepted", actor=beta_world["moderator"]
    ).exists()
    _deliver()
    told = Notification.objects.get(recipient=tester)
    assert told.kind == NotificationKind.GROUP_MEMBERSHIP
    assert "was accepted" in told.text
    assert any("was accepted" in m.subject for m in mail.outbox)

    # The restricted category and its topic open to the new member.
    member = _client(tester)
    assert member.get(lab.get_absolute_url()).status_code == 200
    assert member.get(topic.get_absolute_url()).status_code == 200

    # A week before the end: one notice, once.
    membership = GroupMembership.objects.get(group=group, user=tester)
    assert membership.expires_at is not None
    week_before = membership.expires_at - timedelta(days=6)
    assert actions.expire_memberships(now=week_before) == (0, 1)
    assert actions.expire_memberships(now=week_before) == (0, 0)
    _deliver()
    notice = Notification.objects.filter(recipient=tester).latest("pk")
    assert "ends on" in notice.text

    # At the end the membership goes, and the category with it.
    assert actions.expire_memberships(
        now=membership.expires_at + timedelta(minutes=1)
    ) == (1, 0)
    member = _client(tester)
    assert member.get(lab.get_absolute_url()).status_code == 404
    assert member.get(topic.get_absolute_url()).status_code == 404
    assert AuditEntry.objects.filter(verb="group.membership_ended").exists()
    _deliver()
    assert (
        "has ended" in Notification.objects.filter(recipient=tester).latest("pk").text
    )


def test_group_end_date_ends_every_membership(beta_world):
    group, tester = beta_world["group"], beta_world["tester"]
    GroupMembership.objects.create(group=group, user=tester)
    ends = timezone.now() + timedelta(days=3)
    CommunityGroup.objects.filter(pk=group.pk).update(ends_at=ends)

    assert actions.expire_memberships() == (0, 1)
    assert actions.expire_memberships(now=ends + timedelta(seconds=1)) == (1, 0)
    assert not GroupMembership.objects.filter(group=group).exists()


def test_decline_needs_a_reason_and_tells_the_applicant(beta_world):
    group, tester = beta_world["group"], beta_world["tester"]
    _apply(_client(tester), group)
    application = GroupApplication.objects.get()
    manager = _client(beta_world["moderator"])
    url = reverse("groups:group_decide", args=[group.slug, application.pk])

    for decision in ("decline", "accept"):
        refused = manager.post(url, {"decision": decision, "reason": ""}, follow=True)
        assert b"Write the reason" in refused.content
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING
    manager.post(url, {"decision": "decline", "reason": "The beta is full."})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DECLINED
    _deliver()
    assert (
        "declined: The beta is full." in Notification.objects.get(recipient=tester).text
    )
    assert not GroupMembership.objects.filter(group=group, user=tester).exists()


def test_removal_needs_a_reason_is_audited_and_told(beta_world):
    group, tester = beta_world["group"], beta_world["tester"]
    GroupMembership.objects.create(group=group, user=tester)
    manager = _client(beta_world["moderator"])
    url = reverse("groups:group_remove_member", args=[group.slug, tester.pk])

    manager.post(url, {"reason": "  "})
    assert GroupMembership.objects.filter(group=group, user=tester).exists()
    manager.post(url, {"reason": "Shared firmware builds outside the beta."})
    assert not GroupMembership.objects.filter(group=group, user=tester).exists()
    entry = AuditEntry.objects.get(verb="group.member_removed")
    assert entry.reason == "Shared firmware builds outside the beta."
    _deliver()
    assert (
        "removed from Beta testers" in Notification.objects.get(recipient=tester).text
    )


def test_recommendation_is_shown_to_managers_who_still_decide(beta_world):
    group, rep = beta_world["group"], beta_world["rep"]
    _apply(_client(beta_world["tester"]), group)
    application = GroupApplication.objects.get()
    rep_client = _client(rep)
    assert b"Recommend" in rep_client.get(group.get_absolute_url()).content

    rep_client.post(
        reverse("groups:group_recommend", args=[group.slug, application.pk]),
        {"note": "Tess reported the 2.0 pump bug first."},
    )

    page = _client(beta_world["moderator"]).get(
        reverse("groups:group_manage", args=[group.slug])
    )
    assert b"Recommended by marco" in page.content
    assert b"reported the 2.0 pump bug" in page.content
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING


def test_a_member_cannot_recommend(beta_world):
    group = beta_world["group"]
    _apply(_client(beta_world["tester"]), group)
    application = GroupApplication.objects.get()
    response = _client(make_user("other")).post(
        reverse("groups:group_recommend", args=[group.slug, application.pk]),
        {"note": "x"},
    )
    assert response.status_code == 403


def test_representative_is_refused_every_group_management_verb(beta_world):
    """Even as a member of the group, over HTTP and through the policy."""
    group, rep, tester = beta_world["group"], beta_world["rep"], beta_world["tester"]
    GroupMembership.objects.create(group=group, user=rep)
    GroupMembership.objects.create(group=group, user=tester)
    _apply(_client(make_user("applicant")), group)
    application = GroupApplication.objects.get()
    rep_client = _client(rep)
    before = (
        GroupMembership.objects.count(),
        GroupApplication.objects.filter(status="pending").count(),
        AuditEntry.objects.count(),
        ModerationAction.objects.count(),
    )
    requests = [
        ("get", reverse("groups:group_manage", args=[group.slug]), {}),
        (
            "post",
            reverse("groups:group_decide", args=[group.slug, application.pk]),
            {"decision": "accept", "reason": "ok"},
        ),
        (
            "post",
            reverse("groups:group_decide", args=[group.slug, application.pk]),
            {"decision": "decline", "reason": "no"},
        ),
        (
            "post",
            reverse("groups:group_remove_member", args=[group.slug, tester.pk]),
            {"reason": "Critical of the brand."},
        ),
        (
            "post",
            reverse("groups:group_add_member", args=[group.slug]),
            {"username": "x"},
        ),
        ("get", reverse("groups:group_end_beta", args=[group.slug]), {}),
        (
            "post",
            reverse("groups:group_end_beta", args=[group.slug]),
            {"outcome": "open", "reason": "Done."},
        ),
    ]
    for method, url, data in requests:
        response = getattr(rep_client, method)(url, data)
        assert response.status_code == 403, url
    assert before == (
        GroupMembership.objects.count(),
        GroupApplication.objects.filter(status="pending").count(),
        AuditEntry.objects.count(),
        ModerationAction.objects.count(),
    )
    for perm in (Perm.MANAGE_GROUP, Perm.END_BETA):
        decision = policy.check(rep, perm, group)
        assert not decision.allowed and decision.reason
    with pytest.raises(PermissionDenied):
        actions.remove_member(rep, group, tester, reason="Critical of the brand.")
    with pytest.raises(PermissionDenied):
        actions.decide_application(rep, application, accept=True, reason="")
    # The group page offers the representative no management link.
    assert b"Manage" not in rep_client.get(group.get_absolute_url()).content


def test_a_moderator_elsewhere_does_not_manage(beta_world):
    elsewhere = make_moderator(make_category("Elsewhere"), "otto")
    response = _client(elsewhere).get(
        reverse("groups:group_manage", args=[beta_world["group"].slug])
    )
    assert response.status_code == 403


def test_open_group_join_and_invitation_group(beta_world):
    open_group = make_group("Home roasters")
    CommunityGroup.objects.filter(pk=open_group.pk).update(join_policy=JoinPolicy.OPEN)
    member = make_user("roaster")
    client = _client(member)
    client.post(reverse("groups:group_join", args=[open_group.slug]))
    assert GroupMembership.objects.filter(group=open_group, user=member).exists()

    invited = make_group("Pro baristas")
    assert (
        client.get(reverse("groups:group_apply", args=[invited.slug])).status_code
        == 403
    )
    admin = _client(make_admin("ines"))
    admin.post(
        reverse("groups:group_add_member", args=[invited.slug]), {"username": "roaster"}
    )
    assert GroupMembership.objects.filter(group=invited, user=member).exists()


def test_unlisted_group_is_hidden_from_others(beta_world):
    hidden = make_group("Secret panel")
    CommunityGroup.objects.filter(pk=hidden.pk).update(is_listed=False)
    outsider = _client(make_user("outsider"))
    assert outsider.get(hidden.get_absolute_url()).status_code == 404
    assert b"Secret panel" not in outsider.get(reverse("groups:group_list")).content
    admin = _client(make_admin("ines"))
    assert admin.get(hidden.get_absolute_url()).status_code == 200


def test_visible_groups_agrees_with_the_rule(beta_world):
    hidden = make_group("Secret panel")
    CommunityGroup.objects.filter(pk=hidden.pk).update(is_listed=False)
    hidden_with_lab = make_group("Hidden beta")
    CommunityGroup.objects.filter(pk=hidden_with_lab.pk).update(is_listed=False)
    make_category("Hidden lab", slug="hidden-lab", restricted_to=hidden_with_lab)
    insider = make_user("insider")
    GroupMembership.objects.create(group=hidden, user=insider)
    people = [
        AnonymousUser(),
        insider,
        make_user("plain"),
        beta_world["moderator"],
        beta_world["rep"],
        make_admin("ines"),
        make_moderator(
            make_category("Parent", slug="parent", restricted_to=None), "pam"
        ),
    ]
    for person in people:
        listed = set(policy.visible_groups(person, CommunityGroup.objects.all()))
        expected = {
            group
            for group in CommunityGroup.objects.all()
            if policy.can(person, Perm.VIEW_GROUP, group)
        }
        assert listed == expected, person


# --- Ending a beta ------------------------------------------------------------------------


def test_ending_a_beta_moves_topics_with_tombstones_and_deletes_nothing(beta_world):
    group, _lab = beta_world["group"], beta_world["lab"]
    critic = make_user("critic")
    GroupMembership.objects.create(group=group, user=critic)
    critical = make_post(
        beta_world["topic"], critic, body="Firmware 2.1 bricked my grinder."
    )
    ideas = make_category(
        "Product ideas", slug="product-ideas", kind=CategoryKind.IDEAS
    )
    admin = make_admin("ines")
    client = _client(admin)
    url = reverse("groups:group_end_beta", args=[group.slug])

    refused = client.post(url, {"outcome": "move", "into": "", "reason": "Beta over."})
    assert refused.status_code == 400 and b"Beta over." in refused.content
    client.post(url, {"outcome": "move", "into": str(ideas.pk), "reason": "Beta over."})

    topic = Topic.objects.get(pk=beta_world["topic"].pk)
    assert topic.category_id == ideas.pk
    page = Client().get(topic.get_absolute_url())
    assert page.status_code == 200
    assert b"bricked my grinder" in page.content
    assert b"Beta over." in page.content  # the tombstone's reason
    assert ModerationAction.objects.filter(kind="topic_moved", topic=topic).exists()
    assert critical.__class__.objects.filter(pk=critical.pk, deleted_at=None).exists()
    assert AuditEntry.objects.filter(verb="group.beta_moved").exists()


def test_ending_a_beta_can_open_its_category(beta_world):
    group, lab = beta_world["group"], beta_world["lab"]
    admin = make_admin("ines")
    assert beta.end_beta(admin, group, outcome="open", reason="Released.") == 1
    assert Client().get(lab.get_absolute_url()).status_code == 200
    assert Client().get(beta_world["topic"].get_absolute_url()).status_code == 200
    with pytest.raises(PermissionDenied):
        beta.end_beta(beta_world["moderator"], group, outcome="open", reason="x")


# --- Mentions and experts -------------------------------------------------------------------


@pytest.fixture
def experts():
    group = make_group("Grinder experts")
    CommunityGroup.objects.filter(pk=group.pk).update(
        mentionable=True, mention_policy=MentionPolicy.ANYONE
    )
    group.refresh_from_db()
    members = [make_user(f"expert{i}") for i in range(3)]
    for member in members:
        GroupMembership.objects.create(group=group, user=member)
    return group, members


def test_group_mention_reaches_each_member_once(experts, settings):
    _group, members = experts
    second = make_group("Baristas")
    CommunityGroup.objects.filter(pk=second.pk).update(
        mentionable=True, mention_policy=MentionPolicy.ANYONE
    )
    GroupMembership.objects.create(group=second, user=members[0])  # in both
    category = make_category("General", slug="general")
    topic = make_topic(category, make_user("asker"), title="Burr alignment trouble")
    Event.objects.update(dispatched_at=timezone.now())
    author = make_user("writer")

    post = forum_actions.reply_to_topic(
        author,
        topic,
        body="@grinder-experts and @baristas, any idea? @expert1 you too.",
    )
    _deliver()

    for member in members:
        told = Notification.objects.filter(recipient=member, post=post)
        assert told.count() == 1, member
    assert (
        Notification.objects.get(recipient=members[0], post=post).kind
        == NotificationKind.GROUP_MENTIONED
    )
    assert (
        Notification.objects.get(recipient=members[1], post=post).kind
        == NotificationKind.MENTIONED
    )
    assert 'href="/g/grinder-experts/"' in post.body_html


def test_group_mention_is_refused_past_the_rate_limit_keeping_the_text(
    experts, settings
):
    settings.GROUP_MENTIONS_PER_DAY = 2
    _group, _members = experts
    topic = make_topic(make_category("General", slug="general"), make_user("asker"))
    author = make_user("writer")
    client = _client(author)
    url = reverse("forum:reply", args=[topic.pk])
    for n in range(2):
        response = client.post(url, {"body": f"@grinder-experts question {n}"})
        assert response.status_code == 302

    refused = client.post(url, {"body": "@grinder-experts a third time, please"})

    assert refused.status_code == 400
    assert b"2 times a day" in refused.content
    assert b"a third time, please" in refused.content
    # Without the group mention the same author posts at once.
    assert client.post(url, {"body": "Never mind, found it."}).status_code == 302


def test_who_may_mention_a_group_is_its_setting(experts):
    group, members = experts
    CommunityGroup.objects.filter(pk=group.pk).update(
        mention_policy=MentionPolicy.MEMBERS
    )
    topic = make_topic(make_category("General", slug="general"), make_user("asker"))
    with pytest.raises(ValidationError, match="Only members of Grinder experts"):
        forum_actions.reply_to_topic(
            make_user("outsider"), topic, body="@grinder-experts hi"
        )
    forum_actions.reply_to_topic(members[0], topic, body="@grinder-experts hi")
    CommunityGroup.objects.filter(pk=group.pk).update(
        mention_policy=MentionPolicy.MODERATORS
    )
    with pytest.raises(ValidationError, match="Only moderators"):
        forum_actions.reply_to_topic(members[1], topic, body="@grinder-experts again")
    moderator = make_moderator(make_category("Elsewhere"), "otto")
    forum_actions.reply_to_topic(moderator, topic, body="@grinder-experts please")
    # Not mentionable: the name is no mention at all, and is refused as unknown.
    CommunityGroup.objects.filter(pk=group.pk).update(mentionable=False)
    with pytest.raises(ValidationError, match="Nobody here is called"):
        forum_actions.reply_to_topic(members[0], topic, body="@grinder-experts hm")


def test_expert_group_is_told_of_a_new_question_at_once(experts):
    group, members = experts
    help_desk = make_category("Help", slug="help", kind=CategoryKind.QUESTIONS)
    grinders = make_tag("grinders")
    ExpertRoute.objects.create(group=group, category=help_desk)
    tag_only = make_group("Leva fans")
    leva_fan = make_user("leva_fan")
    GroupMembership.objects.create(group=tag_only, user=leva_fan)
    ExpertRoute.objects.create(group=tag_only, tag=make_tag("leva"))
    Event.objects.update(dispatched_at=timezone.now())

    topic = make_topic(
        help_desk,
        make_user("asker"),
        title="Why is my grind so uneven?",
        tags=[grinders.name],
    )
    make_topic(
        make_category("Chat", slug="chat"), make_user("chatty"), title="Not a question"
    )
    _deliver()

    for member in members:
        notification = Notification.objects.get(recipient=member)
        assert notification.kind == NotificationKind.EXPERT_QUESTION
        assert notification.topic_id == topic.pk
    assert not Notification.objects.filter(recipient=leva_fan).exists()
    assert sorted(to for m in mail.outbox for to in m.to) == sorted(
        member.email for member in members
    )


# --- Pages: constant queries ------------------------------------------------------------------


def _count(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _grow(group: CommunityGroup, questions, n: int) -> None:
    for i in range(n):
        member = make_user()
        GroupMembership.objects.create(group=group, user=member)
        make_post(questions, member, body=f"Try a finer grind, number {i}.")
        make_group(f"Group number {i} {member.username}")


@pytest.mark.parametrize("signed_in", [False, True])
def test_group_pages_query_counts_are_constant(experts, signed_in):
    group, members = experts
    help_desk = make_category("Help", slug="help", kind=CategoryKind.QUESTIONS)
    question = make_topic(help_desk, make_user("asker"), title="Uneven grind help")
    client = Client()
    if signed_in:
        client.force_login(members[0])
    urls = [reverse("groups:group_list"), group.get_absolute_url()]
    _grow(group, question, 2)
    small = {url: _count(client, url) for url in urls}
    _grow(group, question, 25)
    large = {url: _count(client, url) for url in urls}
    assert large == small
    page = client.get(group.get_absolute_url())
    assert (
        b"Try a finer grind, number 24" in page.content
        or b"Uneven grind help" in page.content
    )


def test_manage_page_query_count_is_constant(beta_world):
    group = beta_world["group"]
    manager = _client(beta_world["moderator"])
    rep = beta_world["rep"]
    url = reverse("groups:group_manage", args=[group.slug])

    def grow(n: int) -> None:
        for _ in range(n):
            applicant = make_user()
            _apply(_client(applicant), group)
            application = GroupApplication.objects.get(applicant=applicant)
            actions.recommend_applicant(rep, application, note="Good tester.")
            GroupMembership.objects.create(group=group, user=make_user())

    grow(2)
    small = _count(manager, url)
    grow(8)
    assert _count(manager, url) == small


def test_expiry_task_runs_on_the_clock(beta_world):
    group, tester = beta_world["group"], beta_world["tester"]
    GroupMembership.objects.create(
        group=group, user=tester, expires_at=timezone.now() + timedelta(hours=1)
    )
    later = timezone.now() + timedelta(hours=2)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert expire_memberships() == [1, 0]


def test_deleting_a_beta_group_cannot_take_its_topics(beta_world):
    with pytest.raises(ProtectedError):
        beta_world["group"].delete()
    assert Topic.objects.filter(pk=beta_world["topic"].pk).exists()


def test_group_page_shows_only_answers_the_viewer_may_read(experts, beta_world):
    group, members = experts
    help_desk = make_category("Help", slug="help", kind=CategoryKind.QUESTIONS)
    secret = make_category(
        "Beta questions",
        slug="beta-questions",
        kind=CategoryKind.QUESTIONS,
        restricted_to=beta_world["group"],
    )
    GroupMembership.objects.create(group=beta_world["group"], user=members[0])
    public_q = make_topic(
        help_desk, make_user("asker"), title="Public grinder question"
    )
    secret_q = make_topic(secret, members[0], title="Secret firmware question")
    make_post(public_q, members[0], body="Public answer about burrs.")
    make_post(secret_q, members[0], body="Secret answer.")

    outsider = Client().get(group.get_absolute_url()).content.decode()
    assert "Public grinder question" in outsider
    assert "Secret firmware question" not in outsider
    assert "expert0" in outsider  # members of a mentionable group are public
    insider = _client(members[0]).get(group.get_absolute_url()).content.decode()
    assert "Secret firmware question" in insider
