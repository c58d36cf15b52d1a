"""The public "How this community works" page and the roster."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts import actions as account_actions
from accounts.models import User
from accounts.roles import Role
from forum import actions as forum_actions
from forum.models import CategoryKind, Post, Topic
from moderation.models import AuditEntry, AuditVerb
from permissions import explain, policy
from permissions.policy import Perm
from tests.factories import (
    make_admin,
    make_brand,
    make_brand_rep,
    make_category,
    make_group,
    make_moderator,
    make_post,
    make_topic,
    make_user,
)

# Moderation, and administration, of other people's content and accounts.
MODERATION_PERMS = {
    Perm.HIDE_POST,
    Perm.REMOVE_POST,
    Perm.REDACT_POST,
    Perm.LOCK_TOPIC,
    Perm.CLOSE_TOPIC,
    Perm.PIN_TOPIC,
    Perm.MOVE_TOPIC,
    Perm.MERGE_TOPIC,
    Perm.SPLIT_TOPIC,
    Perm.RETITLE_TOPIC,
    Perm.SLOW_MODE,
    Perm.VIEW_REVIEW_QUEUE,
    Perm.REVIEW_FLAGS,
    Perm.VIEW_FLAGGERS,
    Perm.SANCTION_USER,
    Perm.ACCESS_ADMIN,
    Perm.ASSIGN_MODERATOR,
    Perm.MANAGE_BRAND_REPS,
    Perm.SET_TRUST_LEVEL,
    Perm.MANAGE_ELSEWHERE,
    Perm.EXPORT_COMMUNITY,
}


# --- The matrix is derived from the policy ------------------------------------------------


def test_matrix_asks_the_policy_without_touching_the_database(
    django_assert_num_queries, db
):
    with django_assert_num_queries(0):
        explain.build_matrix()


def test_matrix_cells_equal_the_policy_on_the_same_objects():
    world = explain.build_world()
    matrix = explain.build_matrix(world)

    for section in explain.SECTIONS:
        for spec in section.rows:
            for column_key, actor in world.actors.items():
                decision = policy.check(actor, spec.perm, spec.subject(world, actor))
                cell = matrix.cell(spec.key, column_key)
                assert cell.allowed is decision.allowed, (spec.key, column_key)
                assert cell.allowed is policy.can(
                    actor, spec.perm, spec.subject(world, actor)
                )
                if not decision.allowed and decision.reason:
                    assert cell.reason == decision.reason
                    assert matrix.reasons[cell.footnote - 1] == cell.reason


def _hand_built_objects(world: explain.World) -> dict[str, object]:
    """Objects built here, not by the explain module, for spot checks."""
    now = timezone.now()
    author = User(pk=555, username="author", role=Role.MEMBER, is_active=True)
    author.__dict__["assigned_category_ids"] = frozenset()
    author.__dict__["group_ids"] = frozenset()
    topic = Topic(
        category=world.category, author=author, created_at=now, last_posted_at=now
    )
    post = Post(topic=topic, number=3, author=author, created_at=now)
    question = Topic(
        category=world.questions, author=author, created_at=now, last_posted_at=now
    )
    return {
        "category": world.category,
        "topic": topic,
        "post": post,
        "question": question,
        "target": author,
    }


SPOT_CHECKS = [
    ("start_topic", Perm.START_TOPIC, "category", "anonymous"),
    ("start_topic", Perm.START_TOPIC, "category", "new_member"),
    ("reply", Perm.REPLY, "topic", "brand_rep"),
    ("edit_others_post", Perm.EDIT_POST, "post", "admin"),
    ("edit_others_post", Perm.EDIT_POST, "post", "brand_rep"),
    ("delete_others_post", Perm.DELETE_POST, "post", "moderator_here"),
    ("delete_others_post", Perm.DELETE_POST, "post", "brand_rep"),
    ("hide_post", Perm.HIDE_POST, "post", "moderator_here"),
    ("hide_post", Perm.HIDE_POST, "post", "moderator_elsewhere"),
    ("hide_post", Perm.HIDE_POST, "post", "brand_rep"),
    ("hide_post", Perm.HIDE_POST, "post", "leader"),
    ("lock_topic", Perm.LOCK_TOPIC, "topic", "brand_rep"),
    ("move_topic", Perm.MOVE_TOPIC, "topic", "admin"),
    ("view_review_queue", Perm.VIEW_REVIEW_QUEUE, "category", "brand_rep"),
    ("view_review_queue", Perm.VIEW_REVIEW_QUEUE, "category", "moderator_here"),
    ("sanction_user", Perm.SANCTION_USER, "target", "brand_rep"),
    ("sanction_user", Perm.SANCTION_USER, "target", "moderator_here"),
    ("post_official_answer", Perm.POST_OFFICIAL_ANSWER, "question", "brand_rep"),
    ("post_official_answer", Perm.POST_OFFICIAL_ANSWER, "question", "member"),
    ("escalate_to_support", Perm.ESCALATE_TO_SUPPORT, "topic", "brand_rep"),
    ("escalate_to_support", Perm.ESCALATE_TO_SUPPORT, "topic", "leader"),
]


@pytest.mark.parametrize(("row_key", "perm", "subject", "column_key"), SPOT_CHECKS)
def test_matrix_cell_equals_a_direct_policy_call(row_key, perm, subject, column_key):
    world = explain.build_world()
    matrix = explain.build_matrix(world)
    obj = _hand_built_objects(world)[subject]

    assert matrix.cell(row_key, column_key).allowed is policy.can(
        world.actors[column_key], perm, obj
    )


def test_matrix_covers_every_perm():
    matrix = explain.build_matrix()

    assert {row.perm for row in matrix.rows} == set(Perm)


def test_matrix_brand_rep_column_is_no_for_moderation_and_others_posts():
    matrix = explain.build_matrix()
    rows = [row.key for row in matrix.rows if row.perm in MODERATION_PERMS]
    rows += ["edit_others_post", "delete_others_post"]

    for row_key in rows:
        cell = matrix.cell(row_key, "brand_rep")
        assert cell.allowed is False, row_key
        assert cell.text == "No"
        assert cell.reason


def test_matrix_brand_rep_column_allows_the_peer_resource_tools():
    matrix = explain.build_matrix()

    for row_key in [
        "reply",
        "post_official_answer",
        "answer_brand_requests",
        "escalate_to_support",
        "vote_idea",
        "bookmark_post",
    ]:
        assert matrix.cell(row_key, "brand_rep").allowed is True, row_key


def test_matrix_idea_status_is_for_named_decision_owners_only():
    """Being a representative is not enough: only named decision owners
    (none in the example world) set an idea's status."""
    matrix = explain.build_matrix()

    for column in ("brand_rep", "admin", "moderator_here", "member"):
        cell = matrix.cell("set_idea_status", column)
        assert cell.allowed is False, column


def test_matrix_trust_levels_never_grant_moderation():
    matrix = explain.build_matrix()

    for row in matrix.rows:
        if row.perm in MODERATION_PERMS:
            for column_key in ("new_member", "member", "leader"):
                assert matrix.cell(row.key, column_key).allowed is False


def test_matrix_accept_answer_is_for_the_asker():
    matrix = explain.build_matrix()

    assert matrix.cell("accept_answer_asker", "member").allowed is True
    assert matrix.cell("accept_answer_other", "member").allowed is False
    assert matrix.cell("accept_answer_other", "moderator_here").allowed is True


def test_matrix_example_categories_have_the_expected_kinds():
    world = explain.build_world()

    assert world.questions.kind == CategoryKind.QUESTIONS
    assert world.ideas.kind == CategoryKind.IDEAS


# --- The page --------------------------------------------------------------------------


class _CellParser(HTMLParser):
    """Collect the matrix cells: data-cell -> (visible text, title)."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[str, tuple[str, str]] = {}
        self._key: str | None = None
        self._title = ""
        self._text: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "td" and "data-cell" in attributes:
            self._key = attributes["data-cell"]
            self._title = attributes.get("title") or ""
            self._text = []
        elif self._key and tag in {"span", "sup"}:
            self._hidden_depth += 1

    def handle_endtag(self, tag):
        if tag == "td" and self._key:
            self.cells[self._key] = ("".join(self._text).strip(), self._title)
            self._key = None
        elif self._key and tag in {"span", "sup"}:
            self._hidden_depth -= 1

    def handle_data(self, data):
        if self._key and not self._hidden_depth:
            self._text.append(data)


def test_how_it_works_page_shows_every_cell_as_the_policy_decides(client, db):
    world = explain.build_world()

    response = client.get(reverse("permissions:how_it_works"))

    assert response.status_code == 200
    parser = _CellParser()
    parser.feed(response.content.decode())
    expected_count = sum(len(section.rows) for section in explain.SECTIONS) * len(
        world.actors
    )
    assert len(parser.cells) == expected_count
    for section in explain.SECTIONS:
        for spec in section.rows:
            for column_key, actor in world.actors.items():
                decision = policy.check(actor, spec.perm, spec.subject(world, actor))
                text, title = parser.cells[f"{spec.key}:{column_key}"]
                assert text == ("Yes" if decision.allowed else "No")
                if decision.reason:
                    assert title == decision.reason


def test_how_it_works_page_states_the_brand_rep_rule(client, db):
    response = client.get(reverse("permissions:how_it_works"))

    html = response.content.decode()
    assert 'id="brand-representatives"' in html
    assert "can never delete, hide, edit, move, merge, lock or retitle" in html
    assert "peer resource" in html
    assert reverse("permissions:roster") in html


def test_how_it_works_page_gives_denial_reasons_as_text(client, db):
    """A reason is in the cell's title, in visually hidden text for screen
    readers, and in the numbered list of reasons under the table."""
    response = client.get(reverse("permissions:how_it_works"))

    html = response.content.decode()
    reason = "Brand representatives never moderate members&#x27; content."
    assert f'title="{reason}"' in html
    assert f'<span class="visually-hidden">: {reason}</span>' in html
    assert f">{reason}</li>" in html


def test_how_it_works_page_costs_no_queries_of_its_own(client, db):
    """The table is computed without the database; only the signed-in
    reader's session and user, the navbar's unread-notifications count and
    whether the reader moderates anything (the header's Review link: their
    group memberships and moderator assignments, one query that every page
    showing categories reads anyway) are read."""
    client.force_login(make_user("reader"))
    url = reverse("permissions:how_it_works")
    client.get(url)

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)

    assert response.status_code == 200
    # (Loading the user reads the header's counts with its row, in plain SQL
    # whose first FROM is the notifications': accounts.backends.)
    tables = [
        query["sql"].split(" FROM ")[1].split()[0].strip('"')
        for query in ctx.captured_queries
    ]
    assert set(tables) <= {
        "django_session",
        "accounts_user",
        "accounts_groupmembership",
        "notifications_notification",
    }, tables
    # The session is a query only where sessions live in the database
    # (SQLite in `make test`; CI and production keep them in the cache).
    assert len([t for t in tables if t != "django_session"]) == 3, tables


# --- The roster ------------------------------------------------------------------------


def _roster_html(client) -> str:
    response = client.get(reverse("permissions:roster"))
    assert response.status_code == 200
    return response.content.decode()


def _row(html: str, marker: str) -> str:
    """The HTML of the element carrying *marker* (a data attribute), up to its end."""
    start = html.index(marker)
    end = (
        html.index("</tr>", start)
        if "data-rep" in marker
        else html.index("</li>", start)
    )
    return html[start:end]


def test_roster_lists_brand_reps_with_label_and_computed_counts(client, db):
    since = timezone.now() - timedelta(days=40)
    rep = make_brand_rep("marco", display_name="Marco B.", brand_since=since)
    topic = make_topic(make_category(), make_user())
    forum_actions.escalate_to_support(rep, topic)
    make_post(topic, rep)
    make_post(topic, rep)
    deleted = make_post(topic, rep)
    forum_actions.delete_post(rep, deleted)

    html = _roster_html(client)

    row = _row(html, 'data-rep="marco"')
    assert reverse("accounts:profile", args=["marco"]) in row
    assert "Marco B." in row
    assert "Brevetto · peer resource" in row
    assert f'datetime="{since.isoformat()}"' in row
    assert date_format(since, "DATE_FORMAT") in row
    assert '<td class="align-right" data-count="answers">2</td>' in row
    assert '<td class="align-right" data-count="escalations">1</td>' in row
    assert '<td class="align-right" data-count="moderation">0</td>' in row


def test_roster_moderation_count_comes_from_the_audit_log(client, db):
    """The column counts audit rows; no action writes one for a rep, so a row
    is inserted by hand to show the number is computed, not typed."""
    rep = make_brand_rep("marco")
    AuditEntry.objects.create(
        actor=rep,
        actor_name=rep.username,
        verb=AuditVerb.TRUST_LEVEL_SET,
        target_type=ContentType.objects.get_for_model(User),
        target_id=rep.pk,
    )

    row = _row(_roster_html(client), 'data-rep="marco"')

    assert '<td class="align-right" data-count="moderation">1</td>' in row


def test_roster_groups_reps_by_brand(client, db):
    make_brand_rep("marco")
    make_user("ada", role=Role.BRAND_REP, brand=make_brand("Acme"))

    html = _roster_html(client)

    acme, brevetto = html.index(">Acme</h3>"), html.index(">Brevetto</h3>")
    assert acme < html.index('data-rep="ada"') < brevetto
    assert brevetto < html.index('data-rep="marco"')
    assert "Acme · peer resource" in _row(html, 'data-rep="ada"')


def test_roster_excludes_inactive_and_revoked_reps(client, db):
    make_brand_rep("active-rep")
    make_brand_rep("gone-rep", is_active=False)
    revoked = make_brand_rep("former-rep")
    account_actions.revoke_brand_rep(make_admin(), revoked)
    make_brand_rep("role-changed")
    User.objects.filter(username="role-changed").update(role=Role.MEMBER)

    html = _roster_html(client)

    assert 'data-rep="active-rep"' in html
    assert 'data-rep="gone-rep"' not in html
    assert 'data-rep="former-rep"' not in html
    assert 'data-rep="role-changed"' not in html


def test_roster_lists_moderators_by_category(client, db):
    coffee = make_category("Coffee", slug="coffee")
    tea = make_category("Tea", slug="tea")
    make_moderator(coffee, "mira")
    make_moderator(coffee, "noor")
    make_moderator(tea, "tomas")

    html = _roster_html(client)

    coffee_at = html.index(">Coffee</a>")
    tea_at = html.index(">Tea</a>")
    assert coffee_at < html.index('data-moderator="mira"') < tea_at
    assert coffee_at < html.index('data-moderator="noor"') < tea_at
    assert tea_at < html.index('data-moderator="tomas"')
    assert reverse("accounts:profile", args=["mira"]) in html
    assert "covers its subcategories" in html


def test_roster_excludes_inactive_moderators_and_brand_reps(client, db):
    coffee = make_category("Coffee", slug="coffee")
    make_moderator(coffee, "mira")
    inactive = make_moderator(coffee, "sleeping")
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    stray = make_moderator(coffee, "stray")
    User.objects.filter(pk=stray.pk).update(role=Role.BRAND_REP, brand=make_brand())

    html = _roster_html(client)

    assert 'data-moderator="mira"' in html
    assert 'data-moderator="sleeping"' not in html
    assert 'data-moderator="stray"' not in html


def test_roster_hides_restricted_categories_from_outsiders(client, db):
    private = make_category("Beta lab", slug="beta-lab", restricted_to=make_group())
    make_moderator(private, "mira")

    html = _roster_html(client)

    assert "Beta lab" not in html
    assert 'data-moderator="mira"' not in html


def test_roster_shows_restricted_categories_to_their_members(client, db):
    member = make_user("insider")
    private = make_category(
        "Beta lab", slug="beta-lab", restricted_to=make_group(members=[member])
    )
    make_moderator(private, "mira")
    client.force_login(member)

    html = _roster_html(client)

    assert 'data-moderator="mira"' in html


def _populate(n: int) -> None:
    """Add *n* brand reps (two brands) with answers and escalations, and *n*
    moderators, one of them of a subcategory."""
    parent = make_category()
    topic = make_topic(parent, make_user())
    brands = [make_brand("Brevetto"), make_brand("Acme")]
    for i in range(n):
        rep = make_user(
            role=Role.BRAND_REP, brand=brands[i % 2], brand_since=timezone.now()
        )
        make_post(topic, rep)
        # A topic is escalated once (support app): each rep escalates their own.
        forum_actions.escalate_to_support(rep, make_topic(parent, make_user()))
        category = make_category(parent=parent) if i == 0 else make_category()
        make_moderator(category)


@pytest.mark.parametrize("signed_in", [False, True])
def test_roster_query_count_is_constant(client, db, signed_in):
    if signed_in:
        client.force_login(make_user("reader"))
    url = reverse("permissions:roster")

    def count() -> int:
        client.get(url)  # warm per-process caches (content types, sessions)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    _populate(2)
    small = count()
    _populate(4)  # six of each in all
    large = count()

    assert User.objects.filter(role=Role.BRAND_REP).count() == 6
    assert small == large, (small, large)
