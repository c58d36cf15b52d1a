"""The public explanation of who may do what, and who holds which role.

``build_matrix()`` derives the "How this community works" table from the
policy itself: it asks ``policy.check`` every question on synthetic, unsaved
objects, so the page can never drift from what the code enforces. Nothing here
touches the database.

``brand_rep_roster()`` and ``moderator_roster()`` read the public roster, each
in one query whatever the number of people listed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Brand, CommunityGroup, JoinPolicy, MentionPolicy, User
from accounts.roles import Role, TrustLevel
from conversations.models import Conversation, Message
from forum.models import Category, CategoryKind, Escalation, Post, Topic
from moderation.models import Appeal, AuditEntry, ModerationAction, ModeratorAssignment
from permissions import policy
from permissions.policy import Actor, Perm
from polls.models import Poll
from privacy.models import DataExport
from recognition.models import Confirmation
from uploads.models import Upload

# --- The synthetic community the matrix is evaluated on ---------------------------------

CATEGORY_PK = 1
QUESTIONS_PK = 2
IDEAS_PK = 3
OTHER_CATEGORY_PK = 4  # moderated by the "moderator of another category"
BRAND_PK = 1
THIRD_PERSON_PK = 900  # the author of "someone else's" content
SANCTION_TARGET_PK = 901  # an ordinary member a sanction would apply to


def _synthetic_user(
    pk: int,
    username: str,
    *,
    role: str = Role.MEMBER,
    trust_level: int = TrustLevel.MEMBER,
    moderates: Iterable[int] = (),
    brand: Brand | None = None,
    is_staff: bool = False,
) -> User:
    """An unsaved, active user whose cached lookups are filled in by hand,
    so the policy can ask about it without a query."""
    user = User(
        pk=pk,
        username=username,
        role=role,
        trust_level=trust_level,
        is_active=True,
        is_staff=is_staff,
    )
    if brand is not None:
        user.brand = brand
        user.brand_id = brand.pk
    user.__dict__["assigned_category_ids"] = frozenset(moderates)
    user.__dict__["group_ids"] = frozenset()
    # Nobody in the example world is named a decision owner of ideas.
    user.__dict__["decision_scopes"] = []
    # conversations: nobody has an open request with a brand unless a row says so.
    user.__dict__["brands_asked"] = frozenset()
    return user


@dataclass(frozen=True)
class Column:
    """One kind of person the matrix asks about."""

    key: str
    label: str
    description: str


@dataclass
class World:
    """Unsaved objects the policy is asked about, built fresh for each matrix."""

    actors: dict[str, Actor]
    category: Category
    questions: Category
    ideas: Category
    third_person: User
    sanction_target: User
    now: datetime
    topic: Topic = field(init=False)
    post: Post = field(init=False)

    def __post_init__(self) -> None:
        self.topic = self.new_topic(self.category)
        self.post = self.new_post(self.topic)

    def new_topic(self, category: Category, author: Actor | None = None) -> Topic:
        """A visible, open topic in *category*, by *author* (default: a third person)."""
        author = author if author is not None else self.third_person
        topic = Topic(
            category=category,
            title=_("An example topic"),
            author_name="",
            created_at=self.now,
            last_posted_at=self.now,
            last_post_number=2,
        )
        _set_author(topic, author)
        return topic

    def new_post(
        self,
        topic: Topic,
        author: Actor | None = None,
        *,
        number: int = 2,
        age: timedelta = timedelta(0),
    ) -> Post:
        """A visible reply in *topic*, by *author* (default: a third person)."""
        author = author if author is not None else self.third_person
        post = Post(
            topic=topic,
            number=number,
            author_name="",
            body_source="",
            body_html="",
            created_at=self.now - age,
        )
        _set_author(post, author)
        return post


def _set_author(obj: Topic | Post, author: Actor) -> None:
    # A visitor authors nothing: their "own" content has no author, which the
    # policy treats as nobody's.
    if isinstance(author, User):
        obj.author = author
        obj.author_name = author.username


def build_world() -> World:
    """Create the synthetic community: categories, people, a topic and a post."""
    now = timezone.now()
    brand = Brand(pk=BRAND_PK, name=_("Example brand"), slug="example-brand")
    here = (CATEGORY_PK, QUESTIONS_PK, IDEAS_PK)
    actors: dict[str, Actor] = {
        "anonymous": AnonymousUser(),
        "new_member": _synthetic_user(1, "new-member", trust_level=TrustLevel.NEW),
        "member": _synthetic_user(2, "member", trust_level=TrustLevel.MEMBER),
        "leader": _synthetic_user(3, "leader", trust_level=TrustLevel.LEADER),
        "moderator_here": _synthetic_user(
            4, "moderator-here", trust_level=TrustLevel.REGULAR, moderates=here
        ),
        "moderator_elsewhere": _synthetic_user(
            5,
            "moderator-elsewhere",
            trust_level=TrustLevel.REGULAR,
            moderates=(OTHER_CATEGORY_PK,),
        ),
        "brand_rep": _synthetic_user(6, "brand-rep", role=Role.BRAND_REP, brand=brand),
        "admin": _synthetic_user(7, "admin", role=Role.ADMIN, is_staff=True),
    }
    return World(
        actors=actors,
        category=Category(pk=CATEGORY_PK, name=_("Discussion"), slug="discussion"),
        questions=Category(
            pk=QUESTIONS_PK,
            name=_("Questions"),
            slug="questions",
            kind=CategoryKind.QUESTIONS,
        ),
        ideas=Category(
            pk=IDEAS_PK, name=_("Ideas"), slug="ideas", kind=CategoryKind.IDEAS
        ),
        third_person=_synthetic_user(THIRD_PERSON_PK, "someone-else"),
        sanction_target=_synthetic_user(SANCTION_TARGET_PK, "a-member"),
        now=now,
    )


COLUMNS: tuple[tuple[str, Promise, Promise], ...] = (
    (
        "anonymous",
        gettext_lazy("Visitor"),
        gettext_lazy("Not signed in."),
    ),
    (
        "new_member",
        gettext_lazy("New member"),
        gettext_lazy("Trust level 0, just joined."),
    ),
    (
        "member",
        gettext_lazy("Member"),
        gettext_lazy("Trust level 2."),
    ),
    (
        "leader",
        gettext_lazy("Leader"),
        gettext_lazy("Trust level 4, the highest."),
    ),
    (
        "moderator_here",
        gettext_lazy("Moderator of this category"),
        gettext_lazy("A volunteer assigned to the category the content is in."),
    ),
    (
        "moderator_elsewhere",
        gettext_lazy("Moderator of another category"),
        gettext_lazy("A volunteer assigned to a different category."),
    ),
    (
        "brand_rep",
        gettext_lazy("Brand representative"),
        gettext_lazy("A brand's staff member, labeled as a peer resource."),
    ),
    (
        "admin",
        gettext_lazy("Administrator"),
        gettext_lazy("Runs the site."),
    ),
)


# --- The rows: one question each, asked of the policy -----------------------------------

Subject = Callable[[World, Actor], Any]


@dataclass(frozen=True)
class RowSpec:
    """A plain-language question, the Perm it comes from and what it is asked about."""

    key: str
    label: Promise
    perm: Perm
    subject: Subject
    note: Promise | str = ""


def _category(world: World, actor: Actor) -> Category:
    return world.category


def _topic(world: World, actor: Actor) -> Topic:
    return world.topic


def _others_post(world: World, actor: Actor) -> Post:
    return world.post


def _own_post(world: World, actor: Actor) -> Post:
    return world.new_post(world.topic, actor)


def _own_old_post(world: World, actor: Actor) -> Post:
    return world.new_post(world.topic, actor, age=timedelta(hours=1))


def _answer_on_own_question(world: World, actor: Actor) -> Post:
    return world.new_post(world.new_topic(world.questions, actor))


def _answer_on_others_question(world: World, actor: Actor) -> Post:
    return world.new_post(world.new_topic(world.questions))


def _confirmation_of_answer(world: World, actor: Actor) -> Confirmation:
    """The example brand's confirmation of a member's answer (recognition)."""
    return Confirmation(
        post=_answer_on_others_question(world, actor),
        brand_id=BRAND_PK,
        confirmed_by_name="brand-rep",
        confirmed_at=world.now,
    )


def _question(world: World, actor: Actor) -> Topic:
    return world.new_topic(world.questions)


def _idea(world: World, actor: Actor) -> Topic:
    return world.new_topic(world.ideas)


def _idea_category(world: World, actor: Actor) -> Category:
    return world.ideas


def _sanction_target(world: World, actor: Actor) -> User:
    return world.sanction_target


def _own_post_pending_review(world: World, actor: Actor) -> Post:
    post = world.new_post(world.topic, actor)
    post.is_hidden = True
    post.pending_review = True
    return post


def _action_on_actor(world: World, actor: Actor) -> ModerationAction:
    """A recent moderation action, taken by a third moderator, affecting *actor*."""
    action = ModerationAction(
        pk=1,
        kind="post_hidden",
        actor_id=THIRD_PERSON_PK + 10,
        actor_role="moderator",
        actor_alias="Moderator #1",
        category=world.category,
        created_at=world.now,
    )
    if isinstance(actor, User):
        action.target_user = actor
    # No appeal yet: an unsaved action has no reverse one-to-one row.
    action._state.fields_cache["appeal"] = None
    return action


def _appeal_of_third_person(world: World, actor: Actor) -> Appeal:
    action = _action_on_actor(world, world.third_person)
    return Appeal(action=action, appellant=world.third_person, statement="")


def _polls_category(world: World, actor: Actor) -> Category:
    """The discussion category, with polls allowed (polls app)."""
    return Category(
        pk=CATEGORY_PK, name=world.category.name, slug="discussion", allow_polls=True
    )


def _others_poll(world: World, actor: Actor) -> Poll:
    """An open poll on someone else's topic (polls app)."""
    poll = Poll(topic=world.topic, question=_("An example poll"))
    poll.author = world.third_person
    return poll


def _group(world: World, actor: Actor) -> CommunityGroup:
    """A listed group taking applications, with a members-only category in
    the discussion category (groups app); mentionable by its members."""
    group = CommunityGroup(
        pk=1,
        name=_("Beta testers"),
        slug="beta-testers",
        join_policy=JoinPolicy.APPLICATION,
        is_listed=True,
        mentionable=True,
        mention_policy=MentionPolicy.MEMBERS,
    )
    # Its members-only category's parent is the discussion category: who
    # moderates that manages the group. Filled in by hand: no query.
    group.__dict__["category_scope"] = frozenset({CATEGORY_PK})
    return group


# conversations
def _member_who_asked(world: World, actor: Actor) -> User:
    """A member with an open ask-the-brand request with the example brand."""
    member = _synthetic_user(SANCTION_TARGET_PK + 1, "asked-the-brand")
    member.__dict__["brands_asked"] = frozenset({BRAND_PK})
    return member


def _conversation(participants: Iterable[int]) -> Conversation:
    conversation = Conversation(pk=1, subject=_("A private conversation"))
    conversation.__dict__["participant_ids"] = frozenset(participants)
    return conversation


def _others_conversation(world: World, actor: Actor) -> Conversation:
    return _conversation({THIRD_PERSON_PK, SANCTION_TARGET_PK})


def _own_conversation(world: World, actor: Actor) -> Conversation:
    mine = {actor.pk} if isinstance(actor, User) else set()
    return _conversation({THIRD_PERSON_PK, *mine})


def _message(world: World, actor: Actor, author: Actor) -> Message:
    message = Message(pk=1, conversation=_own_conversation(world, actor))
    message.author_id = author.pk if isinstance(author, User) else None
    return message


def _own_message(world: World, actor: Actor) -> Message:
    return _message(world, actor, actor)


def _others_message(world: World, actor: Actor) -> Message:
    return _message(world, actor, world.third_person)


def _action_in_category(world: World, actor: Actor) -> ModerationAction:
    return ModerationAction(
        pk=2,
        kind="post_hidden",
        actor_role="moderator",
        actor_alias="Moderator #1",
        category=world.category,
        target_user=world.sanction_target,
        created_at=world.now,
    )


def _nothing(world: World, actor: Actor) -> None:
    return None


def _own_upload(world: World, actor: Actor) -> Upload:
    upload = Upload(filename="photo.jpg", kind=Upload.Kind.IMAGE)
    if isinstance(actor, User):
        upload.uploader = actor
    return upload


def _own_data_export(world: World, actor: Actor) -> DataExport:
    export = DataExport(status=DataExport.Status.READY)
    if isinstance(actor, User):
        export.user = actor
    return export


def _themself(world: World, actor: Actor) -> Actor:
    return actor


@dataclass(frozen=True)
class SectionSpec:
    """A titled group of rows in the table."""

    key: str
    title: Promise
    rows: tuple[RowSpec, ...]


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(
        "taking-part",
        gettext_lazy("Reading and taking part"),
        (
            RowSpec(
                "view_category",
                gettext_lazy("See public categories"),
                Perm.VIEW_CATEGORY,
                _category,
            ),
            RowSpec(
                "view_topic",
                gettext_lazy("Read topics in public categories"),
                Perm.VIEW_TOPIC,
                _topic,
            ),
            RowSpec(
                "start_topic",
                gettext_lazy("Start a topic"),
                Perm.START_TOPIC,
                _category,
                gettext_lazy("New members are limited in how often they post."),
            ),
            RowSpec("reply", gettext_lazy("Reply"), Perm.REPLY, _topic),
            RowSpec(
                "preview_post",
                gettext_lazy("Preview a post while writing it"),
                Perm.PREVIEW_POST,
                _nothing,
            ),
            RowSpec(
                "skip_posting_limits",
                gettext_lazy(
                    "Post without the new-member limits (posts an hour, links, "
                    "images, mentions)"
                ),
                Perm.SKIP_POSTING_LIMITS,
                _nothing,
                gettext_lazy("The limits lift as a member's trust level grows."),
            ),
            RowSpec(
                "upload_file",
                gettext_lazy("Attach pictures and files to a post"),
                Perm.UPLOAD_FILE,
                _nothing,
                gettext_lazy(
                    "How large and how many a day grows with the trust level."
                ),
            ),
            RowSpec(
                "view_upload",
                gettext_lazy("Open a file you uploaded that is in no post yet"),
                Perm.VIEW_UPLOAD,
                _own_upload,
                gettext_lazy(
                    "Once it is in a post, whoever may read that post may open it."
                ),
            ),
            RowSpec(
                "like_post",
                gettext_lazy("Like someone else's post"),
                Perm.LIKE_POST,
                _others_post,
            ),
            RowSpec(
                "bookmark_post",
                gettext_lazy("Bookmark a post, with a private note"),
                Perm.BOOKMARK_POST,
                _others_post,
                gettext_lazy("Bookmarks are private: nobody else sees them."),
            ),
            RowSpec(
                "view_post_history",
                gettext_lazy("Read a post's edit history"),
                Perm.VIEW_POST_HISTORY,
                _others_post,
                gettext_lazy("Every revision is kept."),
            ),
            RowSpec(
                "flag_post",
                gettext_lazy("Flag a post for moderators"),
                Perm.FLAG_POST,
                _others_post,
                gettext_lazy(
                    "Flags weigh more with trust; brand representatives' flags "
                    "carry no weight toward hiding a post."
                ),
            ),
            RowSpec(
                "edit_profile",
                gettext_lazy("Edit your own profile"),
                Perm.EDIT_PROFILE,
                _themself,
            ),
            # privacy (issue 24)
            RowSpec(
                "request_data_export",
                gettext_lazy("Download an archive of your own data"),
                Perm.REQUEST_DATA_EXPORT,
                _nothing,
                gettext_lazy("Once a day; the emailed link expires."),
            ),
            RowSpec(
                "download_data_export",
                gettext_lazy("Open the archive of your data"),
                Perm.DOWNLOAD_DATA_EXPORT,
                _own_data_export,
                gettext_lazy(
                    "Only its owner, signed in: nobody else, admins included."
                ),
            ),
            RowSpec(
                "delete_account",
                gettext_lazy("Delete your own account and erase your personal data"),
                Perm.DELETE_ACCOUNT,
                _themself,
                gettext_lazy(
                    "After confirming your password. Posts stay under an anonymous "
                    "name, or are deleted where nobody replied to them."
                ),
            ),
            RowSpec(
                "keep_own_state",
                gettext_lazy(
                    "Mark notifications read, follow topics and categories, "
                    "choose email preferences"
                ),
                Perm.KEEP_OWN_STATE,
                _nothing,
            ),
            RowSpec(
                "manage_api_tokens",
                gettext_lazy("Create and revoke your own read-only API tokens"),
                Perm.MANAGE_API_TOKENS,
                _nothing,
                gettext_lazy("A token reads exactly what its owner may read."),
            ),
        ),
    ),
    SectionSpec(
        "own-content",
        gettext_lazy("Your own posts"),
        (
            RowSpec(
                "edit_own_post",
                gettext_lazy("Edit your own post, just after posting it"),
                Perm.EDIT_POST,
                _own_post,
            ),
            RowSpec(
                "edit_own_old_post",
                gettext_lazy("Edit your own post, an hour after posting it"),
                Perm.EDIT_POST,
                _own_old_post,
            ),
            RowSpec(
                "delete_own_post",
                gettext_lazy("Delete your own post"),
                Perm.DELETE_POST,
                _own_post,
            ),
        ),
    ),
    SectionSpec(
        "others-content",
        gettext_lazy("Someone else's posts"),
        (
            RowSpec(
                "edit_others_post",
                gettext_lazy("Edit someone else's post"),
                Perm.EDIT_POST,
                _others_post,
                gettext_lazy("Nobody rewrites someone else's words."),
            ),
            RowSpec(
                "delete_others_post",
                gettext_lazy("Delete someone else's post"),
                Perm.DELETE_POST,
                _others_post,
                gettext_lazy(
                    "Moderators hide or remove instead, which leaves a public record."
                ),
            ),
            RowSpec(
                "hide_post",
                gettext_lazy("Hide someone else's post"),
                Perm.HIDE_POST,
                _others_post,
                gettext_lazy("Hidden posts stay readable on click."),
            ),
            RowSpec(
                "remove_post",
                gettext_lazy("Remove spam or illegal content"),
                Perm.REMOVE_POST,
                _others_post,
            ),
            RowSpec(
                "redact_post",
                gettext_lazy("Redact personal data from a post"),
                Perm.REDACT_POST,
                _others_post,
                gettext_lazy("Leaves a visible redaction record."),
            ),
            RowSpec(
                "view_flaggers",
                gettext_lazy("See who flagged a post"),
                Perm.VIEW_FLAGGERS,
                _others_post,
            ),
        ),
    ),
    SectionSpec(
        "topics",
        gettext_lazy("Managing someone else's topic"),
        (
            RowSpec(
                "lock_topic", gettext_lazy("Lock a topic"), Perm.LOCK_TOPIC, _topic
            ),
            RowSpec(
                "close_topic", gettext_lazy("Close a topic"), Perm.CLOSE_TOPIC, _topic
            ),
            RowSpec("pin_topic", gettext_lazy("Pin a topic"), Perm.PIN_TOPIC, _topic),
            RowSpec(
                "move_topic",
                gettext_lazy("Move a topic to another category"),
                Perm.MOVE_TOPIC,
                _topic,
            ),
            RowSpec(
                "merge_topic",
                gettext_lazy("Merge topics"),
                Perm.MERGE_TOPIC,
                _topic,
            ),
            RowSpec(
                "split_topic",
                gettext_lazy("Split a topic"),
                Perm.SPLIT_TOPIC,
                _topic,
            ),
            RowSpec(
                "retitle_topic",
                gettext_lazy("Change a topic's title"),
                Perm.RETITLE_TOPIC,
                _topic,
            ),
            RowSpec(
                "slow_mode",
                gettext_lazy("Turn on slow mode"),
                Perm.SLOW_MODE,
                _topic,
            ),
        ),
    ),
    SectionSpec(
        "members",
        gettext_lazy("Reviewing flags and members"),
        (
            RowSpec(
                "view_review_queue",
                gettext_lazy("Open the category's review queue"),
                Perm.VIEW_REVIEW_QUEUE,
                _category,
            ),
            RowSpec(
                "review_flags",
                gettext_lazy("Agree, disagree or defer on the flags of a post"),
                Perm.REVIEW_FLAGS,
                _others_post,
            ),
            RowSpec(
                "request_review",
                gettext_lazy(
                    "Edit your post hidden by flags and ask for another review"
                ),
                Perm.REQUEST_REVIEW,
                _own_post_pending_review,
            ),
            RowSpec(
                "appeal_action",
                gettext_lazy("Appeal a moderation action on your content (once)"),
                Perm.APPEAL_ACTION,
                _action_on_actor,
            ),
            RowSpec(
                "decide_appeal",
                gettext_lazy("Decide an appeal against another moderator's action"),
                Perm.DECIDE_APPEAL,
                _appeal_of_third_person,
            ),
            RowSpec(
                "view_moderator_names",
                gettext_lazy("See moderators' names in the moderation log"),
                Perm.VIEW_MODERATOR_NAMES,
                _nothing,
                gettext_lazy("Everyone else sees a role and a stable alias."),
            ),
            RowSpec(
                "sanction_user",
                gettext_lazy("Warn, silence or suspend a member"),
                Perm.SANCTION_USER,
                _sanction_target,
                gettext_lazy("Always with a rule, a reason and a duration."),
            ),
        ),
    ),
    SectionSpec(
        "questions",
        gettext_lazy("Questions, ideas and the brand"),
        (
            RowSpec(
                "accept_answer_asker",
                gettext_lazy("Mark the accepted answer to your own question"),
                Perm.ACCEPT_ANSWER,
                _answer_on_own_question,
            ),
            RowSpec(
                "accept_answer_other",
                gettext_lazy("Mark the accepted answer to someone else's question"),
                Perm.ACCEPT_ANSWER,
                _answer_on_others_question,
            ),
            RowSpec(
                "post_official_answer",
                gettext_lazy("Post an official answer"),
                Perm.POST_OFFICIAL_ANSWER,
                _question,
            ),
            RowSpec(
                "ask_brand",
                gettext_lazy("Ask the brand to respond on a topic"),
                Perm.ASK_BRAND,
                _topic,
            ),
            RowSpec(
                "answer_brand_requests",
                gettext_lazy("Answer “ask the brand” requests"),
                Perm.ANSWER_BRAND_REQUESTS,
                _topic,
            ),
            RowSpec(
                "escalate_to_support",
                gettext_lazy("Escalate a topic to the brand's support"),
                Perm.ESCALATE_TO_SUPPORT,
                _topic,
            ),
            RowSpec(
                "route_to_brand",
                gettext_lazy(
                    "Route a topic to the brand (questions nobody answers in time "
                    "go on their own)"
                ),
                Perm.ROUTE_TO_BRAND,
                _topic,
            ),
            RowSpec(
                "confirm_answer",
                gettext_lazy(
                    "Mark a member's answer “Confirmed by <brand>” (a label under it; "
                    "the member keeps the credit)"
                ),
                Perm.CONFIRM_ANSWER,
                _answer_on_others_question,
            ),
            RowSpec(
                "withdraw_confirmation",
                gettext_lazy("Withdraw the brand's confirmation, in public"),
                Perm.WITHDRAW_CONFIRMATION,
                _confirmation_of_answer,
            ),
            RowSpec(
                "vote_idea",
                gettext_lazy(
                    "Vote for an idea (representatives' and admins' votes are shown "
                    "apart, never counted)"
                ),
                Perm.VOTE_IDEA,
                _idea,
            ),
            RowSpec(
                "set_idea_status",
                gettext_lazy(
                    "Set an idea's status, with a public rationale (only the idea's "
                    "named decision owners, listed on the roster)"
                ),
                Perm.SET_IDEA_STATUS,
                _idea,
            ),
            # insights
            RowSpec(
                "view_listening_report",
                gettext_lazy("Read the brand's listening report"),
                Perm.VIEW_LISTENING_REPORT,
                _nothing,
                gettext_lazy(
                    "Built only from posts the reader may read anyway; it gives "
                    "no power over any post."
                ),
            ),
            RowSpec(
                "view_give_get",
                gettext_lazy("See your own give-and-get page"),
                Perm.VIEW_GIVE_GET,
                _themself,
                gettext_lazy("Private: nobody else, administrators included."),
            ),
        ),
    ),
    SectionSpec(
        "polls",
        gettext_lazy("Polls and concept feedback"),
        (
            RowSpec(
                "start_poll",
                gettext_lazy(
                    "Add a poll to a new topic, where the category allows polls"
                ),
                Perm.START_POLL,
                _polls_category,
                gettext_lazy(
                    "Moderators may in any category they moderate. Brand "
                    "representatives ask concept polls in ideas categories only."
                ),
            ),
            RowSpec(
                "start_concept_poll",
                gettext_lazy("Ask the community a concept poll in an ideas category"),
                Perm.START_POLL,
                _idea_category,
                gettext_lazy(
                    "A representative's poll is labelled “Concept from” their brand."
                ),
            ),
            RowSpec(
                "vote_poll",
                gettext_lazy("Vote in a poll, and change the vote until it closes"),
                Perm.VOTE_POLL,
                _others_poll,
                gettext_lazy("Votes are anonymous: nobody sees who voted for what."),
            ),
            RowSpec(
                "close_poll",
                gettext_lazy("Close someone else's poll early"),
                Perm.CLOSE_POLL,
                _others_poll,
                gettext_lazy("The poll's author may close their own."),
            ),
            RowSpec(
                "edit_poll",
                gettext_lazy("Edit someone else's poll"),
                Perm.EDIT_POLL,
                _others_poll,
                gettext_lazy(
                    "The author may edit their own. Nobody may once a vote is cast."
                ),
            ),
        ),
    ),
    SectionSpec(
        "groups",
        gettext_lazy("Community groups"),
        (
            RowSpec(
                "view_group",
                gettext_lazy("See a listed group and how to join it"),
                Perm.VIEW_GROUP,
                _group,
                gettext_lazy("Unlisted groups are seen by their members and managers."),
            ),
            RowSpec(
                "view_group_members",
                gettext_lazy(
                    "See who belongs to a group (its member list, the groups "
                    "on a profile, the directory's group filter)"
                ),
                Perm.VIEW_GROUP_MEMBERS,
                _group,
                gettext_lazy(
                    "Expert (mentionable) groups to everyone; other groups, "
                    "a beta's included, to their managers only. Your own "
                    "groups show on your profile to you."
                ),
            ),
            RowSpec(
                "join_group",
                gettext_lazy("Join an open group, or apply to one"),
                Perm.JOIN_GROUP,
                _group,
                gettext_lazy(
                    "Applying answers the group's questions and records which "
                    "version of its terms was accepted, and when."
                ),
            ),
            RowSpec(
                "manage_group",
                gettext_lazy(
                    "Accept or decline applications, add or remove members "
                    "(with a reason the member reads)"
                ),
                Perm.MANAGE_GROUP,
                _group,
                gettext_lazy(
                    "Moderators of the group's categories and administrators; "
                    "every decision is recorded."
                ),
            ),
            RowSpec(
                "recommend_applicant",
                gettext_lazy("Recommend an applicant to the group's managers"),
                Perm.RECOMMEND_APPLICANT,
                _group,
                gettext_lazy("The managers see the recommendation and still decide."),
            ),
            RowSpec(
                "mention_group",
                gettext_lazy("Mention an expert group with @group"),
                Perm.MENTION_GROUP,
                _group,
                gettext_lazy(
                    "Each group says who may: anyone, its members or moderators. "
                    "Group mentions are limited per day."
                ),
            ),
            RowSpec(
                "end_beta",
                gettext_lazy(
                    "End a beta: open its category to everyone or move its "
                    "topics to a public ideas category"
                ),
                Perm.END_BETA,
                _group,
                gettext_lazy("Nothing is deleted; each moved topic says so in public."),
            ),
        ),
    ),
    SectionSpec(
        "conversations",
        gettext_lazy("Private conversations"),
        (
            RowSpec(
                "start_conversation",
                gettext_lazy("Start a private conversation with a member"),
                Perm.START_CONVERSATION,
                _sanction_target,
                gettext_lazy(
                    "New members start a few a day. Brand representatives speak "
                    "when spoken to: they answer conversations members start."
                ),
            ),
            RowSpec(
                "start_conversation_asked",
                gettext_lazy(
                    "Write first to a member with an open request or escalation "
                    "with the brand"
                ),
                Perm.START_CONVERSATION,
                _member_who_asked,
            ),
            RowSpec(
                "view_others_conversation",
                gettext_lazy("Read a conversation one is not in"),
                Perm.VIEW_CONVERSATION,
                _others_conversation,
                gettext_lazy(
                    "Nobody: not moderators, not administrators. A participant "
                    "may report one message, which administrators then see alone."
                ),
            ),
            RowSpec(
                "reply_conversation",
                gettext_lazy("Reply in a conversation one is in"),
                Perm.REPLY_CONVERSATION,
                _own_conversation,
            ),
            RowSpec(
                "delete_message",
                gettext_lazy(
                    "Delete one's own message (the others see it was deleted)"
                ),
                Perm.DELETE_MESSAGE,
                _own_message,
            ),
            RowSpec(
                "report_message",
                gettext_lazy("Report someone's message to the administrators"),
                Perm.REPORT_MESSAGE,
                _others_message,
            ),
            RowSpec(
                "view_message_reports",
                gettext_lazy("Read reported messages"),
                Perm.VIEW_MESSAGE_REPORTS,
                _nothing,
            ),
            RowSpec(
                "write_about_action",
                gettext_lazy(
                    "Write to a member about a moderation action, linking its "
                    "public log entry"
                ),
                Perm.WRITE_ABOUT_ACTION,
                _action_in_category,
            ),
            RowSpec(
                "ignore_member",
                gettext_lazy("Ignore a member (their messages and mentions)"),
                Perm.IGNORE_MEMBER,
                _sanction_target,
                gettext_lazy("Moderators and administrators can't be ignored."),
            ),
            RowSpec(
                "create_invitation",
                gettext_lazy(
                    "Make an invite link (sign-ups still confirm their email)"
                ),
                Perm.CREATE_INVITATION,
                _nothing,
                gettext_lazy(
                    "From trust level 2. Into a group that takes members by "
                    "invitation: its managers only."
                ),
            ),
        ),
    ),
    SectionSpec(
        "administration",
        gettext_lazy("Running the site"),
        (
            RowSpec(
                "access_admin",
                gettext_lazy("Open the administration pages"),
                Perm.ACCESS_ADMIN,
                _nothing,
            ),
            RowSpec(
                "assign_moderator",
                gettext_lazy("Assign volunteer moderators"),
                Perm.ASSIGN_MODERATOR,
                _category,
            ),
            RowSpec(
                "name_decision_owner",
                gettext_lazy("Name who decides on ideas (never a volunteer moderator)"),
                Perm.NAME_DECISION_OWNER,
                _nothing,
            ),
            RowSpec(
                "export_community",
                gettext_lazy("Export the public community and download the archive"),
                Perm.EXPORT_COMMUNITY,
                _nothing,
            ),
            RowSpec(
                "manage_brand_reps",
                gettext_lazy("Verify or revoke brand representatives"),
                Perm.MANAGE_BRAND_REPS,
                _nothing,
            ),
            RowSpec(
                "set_trust_level",
                gettext_lazy("Set a member's trust level by hand"),
                Perm.SET_TRUST_LEVEL,
                _sanction_target,
            ),
            RowSpec(
                "manage_elsewhere",
                gettext_lazy(
                    "List an independent community that asked to be listed, or "
                    "turn the highlights feed on"
                ),
                Perm.MANAGE_ELSEWHERE,
                _nothing,
                gettext_lazy(
                    "Only with the community's recorded opt-in; its owner may "
                    "withdraw at any time."
                ),
            ),
        ),
    ),
)

# --- The matrix --------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """The policy's answer for one person and one question."""

    column: Column
    allowed: bool
    reason: str
    footnote: int | None = None  # the reason's number in Matrix.reasons, from 1

    @property
    def text(self) -> str:
        """The answer in words: colour never carries it alone."""
        return _("Yes") if self.allowed else _("No")


@dataclass(frozen=True)
class Row:
    """One question, answered for every column."""

    key: str
    label: str
    perm: Perm
    note: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Section:
    """A titled group of answered rows."""

    key: str
    title: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Matrix:
    """The whole table: who (columns) may do what (rows), and why not."""

    columns: tuple[Column, ...]
    sections: tuple[Section, ...]
    reasons: tuple[str, ...]  # every distinct denial reason, in order of appearance

    @property
    def rows(self) -> tuple[Row, ...]:
        """Every row, section by section."""
        return tuple(row for section in self.sections for row in section.rows)

    def cell(self, row_key: str, column_key: str) -> Cell:
        """The answer for one row and one column, by their keys."""
        for row in self.rows:
            if row.key == row_key:
                for cell in row.cells:
                    if cell.column.key == column_key:
                        return cell
        raise KeyError((row_key, column_key))


def _reason(decision: policy.Decision) -> str:
    """The text shown for a denial; empty when allowed."""
    if decision.allowed:
        return ""
    # A concealed denial carries no reason: the person can't see the thing at all.
    return decision.reason or _("They can't see it.")


def build_matrix(world: World | None = None) -> Matrix:
    """Ask the policy every question of the table, for every kind of person."""
    world = world or build_world()
    columns = tuple(
        Column(key=key, label=str(label), description=str(description))
        for key, label, description in COLUMNS
    )
    footnotes: dict[str, int] = {}
    sections = []
    for section in SECTIONS:
        rows = []
        for spec in section.rows:
            cells = []
            for column in columns:
                actor = world.actors[column.key]
                decision = policy.check(actor, spec.perm, spec.subject(world, actor))
                reason = _reason(decision)
                footnote = None
                if reason:
                    footnote = footnotes.setdefault(reason, len(footnotes) + 1)
                cells.append(Cell(column, decision.allowed, reason, footnote))
            rows.append(
                Row(spec.key, str(spec.label), spec.perm, str(spec.note), tuple(cells))
            )
        sections.append(Section(section.key, str(section.title), tuple(rows)))
    return Matrix(columns=columns, sections=tuple(sections), reasons=tuple(footnotes))


# --- The roster --------------------------------------------------------------------------


def _count_per_user(queryset: QuerySet[Any], user_field: str) -> Subquery:
    """A correlated COUNT of *queryset* rows whose *user_field* is the outer user."""
    return Subquery(
        queryset.filter(**{user_field: OuterRef("pk")})
        .order_by()
        .values(user_field)
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class BrandGroup:
    """One brand and its active representatives, for the roster."""

    brand: Brand
    representatives: list[User]


def brand_rep_roster() -> list[BrandGroup]:
    """Active brand representatives grouped by brand, with what they did.

    Each user gets ``answer_count`` (non-deleted posts), ``escalation_count``
    and ``moderation_count`` (audit entries they are the actor of; zero by
    construction, since the policy refuses them every moderation verb).
    One query.
    """
    representatives = (
        User.objects.filter(role=Role.BRAND_REP, is_active=True, brand__isnull=False)
        .select_related("brand")
        .annotate(
            answer_count=Coalesce(
                _count_per_user(Post.objects.filter(deleted_at__isnull=True), "author"),
                0,
            ),
            escalation_count=Coalesce(
                _count_per_user(Escalation.objects.all(), "escalated_by"), 0
            ),
            moderation_count=Coalesce(
                _count_per_user(AuditEntry.objects.all(), "actor"), 0
            ),
        )
        .order_by("brand__name", "brand_id", "brand_since", "username")
    )
    groups: list[BrandGroup] = []
    for rep in representatives:
        brand = rep.brand
        if brand is None:  # excluded by the filter; keeps the type checker honest
            continue
        if not groups or groups[-1].brand.pk != brand.pk:
            groups.append(BrandGroup(brand=brand, representatives=[]))
        groups[-1].representatives.append(rep)
    return groups


@dataclass(frozen=True)
class CategoryModerators:
    """One category and its volunteer moderators' assignments, for the roster."""

    category: Category
    assignments: list[ModeratorAssignment]


def moderator_roster(viewer: Actor) -> list[CategoryModerators]:
    """Volunteer moderators by the category they are assigned to.

    Lists only categories *viewer* may see (a restricted category's name is
    not public), and leaves out inactive accounts and brand representatives,
    whom the policy never lets moderate. One query, plus whatever the policy
    needs to know about *viewer*.
    """
    categories = policy.visible_categories(viewer, Category.objects.all())
    assignments = (
        ModeratorAssignment.objects.filter(
            category__in=categories, user__is_active=True
        )
        .exclude(user__role=Role.BRAND_REP)
        .select_related("user", "category", "category__parent")
        .order_by(
            # Top-level categories in their order, each followed by its children.
            Coalesce("category__parent__position", "category__position"),
            Coalesce("category__parent__name", "category__name"),
            Coalesce("category__parent_id", "category_id"),
            F("category__parent_id").asc(nulls_first=True),
            "category__position",
            "category__name",
            "category_id",
            "created_at",
            "pk",
        )
    )
    groups: list[CategoryModerators] = []
    for assignment in assignments:
        if not groups or groups[-1].category.pk != assignment.category_id:
            groups.append(CategoryModerators(assignment.category, []))
        groups[-1].assignments.append(assignment)
    return groups
