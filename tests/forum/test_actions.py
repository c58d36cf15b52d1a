"""Behaviour of forum actions: state, counters, snapshots, events, denials."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.roles import PostRole
from forum import actions
from forum.models import Category, Like, Post, PostRevision, ReadState, Topic
from notifications.models import Event
from notifications.tasks import dispatch_event
from tests.factories import (
    make_brand_rep,
    make_category,
    make_group,
    make_tag,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db


def test_create_topic_numbers_first_post_and_updates_counters(category, member):
    topic = actions.create_topic(
        member, category, title="Grind size for V60", body="Hi **all**"
    )

    post = Post.objects.get(topic=topic)
    assert post.number == 1
    assert post.body_html.strip() == "<p>Hi <strong>all</strong></p>"
    assert post.author_role == PostRole.MEMBER
    assert (topic.first_post, topic.last_post) == (post, post)
    category.refresh_from_db()
    assert (category.topic_count, category.post_count, category.last_topic) == (
        1,
        1,
        topic,
    )
    assert PostRevision.objects.filter(post=post).count() == 1
    assert ReadState.objects.get(user=member, topic=topic).last_read_number == 1
    assert list(Event.objects.values_list("kind", flat=True)) == ["topic.created"]


def test_create_topic_enqueues_event_dispatch_only_after_commit(
    category, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.create_topic(member, category, title="After commit", body="Body")
        assert Event.objects.get().dispatched_at is None

    # One dispatch for the transaction's batch of events, one page-cache bump.
    assert sorted(getattr(c, "__name__", type(c).__name__) for c in callbacks) == [
        "_Batch",
        "bump_generation",
    ]


def test_dispatch_event_is_idempotent(category, member):
    actions.create_topic(member, category, title="After commit", body="Body")
    event = Event.objects.get()

    dispatch_event(event.pk)
    first = Event.objects.get().dispatched_at
    dispatch_event(event.pk)

    assert first is not None
    assert Event.objects.get().dispatched_at == first
    assert Event.objects.get().attempts == 1


def test_create_topic_rejects_short_title_and_unknown_tag(category, member):
    with pytest.raises(ValidationError, match="at least 5"):
        actions.create_topic(member, category, title="Hey", body="Body")
    with pytest.raises(ValidationError, match="no tag called"):
        actions.create_topic(
            member, category, title="Valid title", body="Body", tags=["nope"]
        )
    assert Topic.objects.count() == 0


def test_create_topic_with_tags_counts_them(category, member):
    make_tag("grinders")

    topic = actions.create_topic(
        member, category, title="Burr alignment", body="Body", tags=["Grinders"]
    )

    assert [t.slug for t in topic.tags.all()] == ["grinders"]
    assert topic.tags.get().topic_count == 1


def test_create_topic_rejects_mention_of_unknown_member(category, member):
    with pytest.raises(ValidationError, match="Nobody here is called @ghost"):
        actions.create_topic(member, category, title="Hello there", body="cc @ghost")


def test_mentions_link_to_profiles_and_emit_event(category, member, other_member):
    topic = actions.create_topic(member, category, title="Hello there", body="cc @Bob")

    post = topic.first_post
    assert 'href="/u/bob/"' in post.body_html
    event = Event.objects.get(kind="user.mentioned")
    assert event.payload["user_ids"] == [other_member.pk]


def test_announcements_only_for_moderators_admins_and_reps(member, brand_rep):
    announcements = make_category(kind="announcements")

    with pytest.raises(PermissionDenied):
        actions.create_topic(member, announcements, title="Big news today", body="x")
    topic = actions.create_topic(
        brand_rep, announcements, title="Big news today", body="x"
    )
    assert topic.first_post.author_role == PostRole.BRAND_REP


def test_reply_numbers_posts_and_updates_counters(topic, other_member):
    first = actions.reply_to_topic(other_member, topic, body="One")
    second = actions.reply_to_topic(topic.author, topic, body="Two", reply_to=first)

    topic.refresh_from_db()
    assert (first.number, second.number) == (2, 3)
    assert second.reply_to == first
    assert (topic.reply_count, topic.last_post_number, topic.last_post) == (
        2,
        3,
        second,
    )
    assert topic.last_poster_name == topic.author.name
    assert Category.objects.get(pk=topic.category_id).post_count == 3


def test_reply_to_locked_topic_is_refused(topic, other_member):
    Topic.objects.filter(pk=topic.pk).update(is_locked=True)
    topic.refresh_from_db()

    with pytest.raises(PermissionDenied, match="locked"):
        actions.reply_to_topic(other_member, topic, body="Let me in")


def test_reply_to_post_in_other_topic_is_refused(topic, other_member):
    elsewhere = make_topic()

    with pytest.raises(ValidationError):
        actions.reply_to_topic(
            other_member, topic, body="x", reply_to=elsewhere.first_post
        )


def test_reply_snapshots_brand_role_that_survives_role_change(topic):
    rep = make_brand_rep("marco")
    post = actions.reply_to_topic(rep, topic, body="Happy to help.")

    rep.role = "member"
    rep.save(update_fields=["role"])

    post.refresh_from_db()
    assert post.author_role == PostRole.BRAND_REP
    assert post.author_brand.name == "Brevetto"


def test_edit_post_keeps_every_revision(post):
    actions.edit_post(post.author, post, body="Use citric acid, 2%.")
    actions.edit_post(post.author, post, body="Use citric acid, 3%.")

    post.refresh_from_db()
    assert post.revision_count == 3
    assert post.edited_at is not None
    assert list(post.revisions.values_list("body_source", flat=True)) == [
        "Use citric acid.",
        "Use citric acid, 2%.",
        "Use citric acid, 3%.",
    ]


def test_edit_post_with_same_text_adds_no_revision(post):
    actions.edit_post(post.author, post, body=post.body_source)

    assert post.revisions.count() == 1


def test_edit_first_post_retitles_topic(topic):
    actions.edit_post(
        topic.author,
        topic.first_post,
        body="New body",
        title="How do I descale a boiler?",
    )

    topic.refresh_from_db()
    assert topic.title == "How do I descale a boiler?"
    assert topic.slug == "how-do-i-descale-a-boiler"


def test_nobody_edits_someone_elses_post(
    post, member, moderator, brand_rep, admin_user
):
    for actor in (member, moderator, brand_rep, admin_user):
        with pytest.raises(PermissionDenied, match="only edit your own"):
            actions.edit_post(actor, post, body="rewritten")
    post.refresh_from_db()
    assert post.body_source == "Use citric acid."


def test_delete_own_post_is_soft_and_keeps_history(post):
    actions.delete_post(post.author, post)

    post.refresh_from_db()
    assert post.deleted_at is not None
    assert post.body_source == "Use citric acid."
    assert post.revisions.count() == 1


def test_delete_someone_elses_post_is_refused(post, brand_rep):
    with pytest.raises(PermissionDenied):
        actions.delete_post(brand_rep, post)
    post.refresh_from_db()
    assert post.deleted_at is None


def test_deleting_first_post_deletes_topic(topic):
    actions.delete_post(topic.author, topic.first_post)

    topic.refresh_from_db()
    assert topic.deleted_at is not None
    assert Category.objects.get(pk=topic.category_id).topic_count == 0


def test_like_once_and_not_own_post(post, member):
    actions.like_post(member, post)
    actions.like_post(member, post)

    post.refresh_from_db()
    assert post.like_count == 1
    assert Like.objects.count() == 1
    with pytest.raises(PermissionDenied, match="own post"):
        actions.like_post(post.author, post)


def test_unlike_takes_like_back(post, member):
    actions.like_post(member, post)
    actions.unlike_post(member, post)
    actions.unlike_post(member, post)

    post.refresh_from_db()
    assert post.like_count == 0


def test_asker_accepts_answer_and_rep_cannot(questions, member, other_member):
    topic = make_topic(questions, member, title="Why is my shot sour?")
    answer = actions.reply_to_topic(other_member, topic, body="Grind finer.")
    rep = make_brand_rep("marco")

    with pytest.raises(PermissionDenied):
        actions.accept_answer(rep, answer)
    with pytest.raises(PermissionDenied):
        actions.accept_answer(other_member, answer)
    actions.accept_answer(member, answer)

    topic.refresh_from_db()
    assert (topic.accepted_post, topic.is_solved) == (answer, True)
    actions.unaccept_answer(member, topic)
    topic.refresh_from_db()
    assert (topic.accepted_post, topic.is_solved) == (None, False)


def test_accept_answer_only_in_questions(topic, post):
    with pytest.raises(PermissionDenied, match="Only questions"):
        actions.accept_answer(topic.author, post)


def test_mark_read_never_goes_backwards(topic, member):
    for i in range(3):
        actions.reply_to_topic(make_user(), topic, body=f"r{i}")
    topic.refresh_from_db()

    actions.mark_read(member, topic, 3)
    actions.mark_read(member, topic, 2)
    actions.mark_read(member, topic, 99)

    assert ReadState.objects.get(user=member, topic=topic).last_read_number == 4


def test_restricted_category_is_not_found_for_non_members(member):
    insider = make_user("insider")
    group = make_group("Beta testers", members=[insider])
    beta = make_category("Beta lab", restricted_to=group)

    with pytest.raises(Http404):
        actions.create_topic(member, beta, title="Can I join?", body="x")
    topic = actions.create_topic(insider, beta, title="First beta notes", body="x")
    with pytest.raises(Http404):
        actions.reply_to_topic(member, topic, body="x")
