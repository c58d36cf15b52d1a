"""Moderator actions on topics: one page per verb, each a form with the rule
and reason (plus the verb's own fields). GET shows the form, POST calls the
action and returns to the topic. Every view asks the policy first, so a
brand representative gets 403 before any form is shown or read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlparse

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.typing import AuthedHttpRequest
from forum.actions import TITLE_MAX_LENGTH
from forum.models import Category, Post, Topic
from moderation.actions import topics as actions
from moderation.forms import ModerationForm
from permissions import policy
from permissions.policy import Perm

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

SPLIT_POSTS_PER_PAGE = 100

# --- Forms ---------------------------------------------------------------------------------


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        if obj.parent is not None:
            return f"{obj.parent.name} › {obj.name}"
        return obj.name


class MoveForm(ModerationForm):
    category = CategoryChoiceField(
        label=gettext_lazy("Move to"), queryset=Category.objects.none()
    )

    def __init__(self, *args: Any, actor: User, topic: Topic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(
            CategoryChoiceField, self.fields["category"]
        ).queryset = moderated_categories(actor).exclude(pk=topic.category_id)


class MergeForm(ModerationForm):
    target = forms.CharField(
        label=gettext_lazy("Merge into topic"),
        max_length=500,
        help_text=gettext_lazy(
            "The number of the topic to merge into, or its link (e.g. /t/some-title/123/)."
        ),
    )

    def __init__(self, *args: Any, actor: User, topic: Topic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.topic = topic

    def clean_target(self) -> Topic:
        topic_id = parse_topic_reference(self.cleaned_data["target"])
        if topic_id is None:
            raise ValidationError(
                _("Give the topic's number (like 123) or paste its link.")
            )
        target = (
            Topic.objects.select_related("category", "category__parent")
            .filter(pk=topic_id)
            .first()
        )
        if target is None or not policy.can(self.actor, Perm.VIEW_TOPIC, target):
            raise ValidationError(
                _("There is no topic number %(id)d.") % {"id": topic_id}
            )
        if target.pk == self.topic.pk:
            raise ValidationError(_("A topic can't be merged into itself."))
        decision = policy.check(self.actor, Perm.MERGE_TOPIC, target)
        if not decision:
            raise ValidationError(
                decision.reason or _("You can't merge into that topic.")
            )
        return target


class SplitForm(ModerationForm):
    title = forms.CharField(
        label=gettext_lazy("Title of the new topic"),
        max_length=TITLE_MAX_LENGTH + 50,
    )
    posts = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Replies to move"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    post_numbers = forms.CharField(
        label=gettext_lazy("Or type post numbers"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("For example: 4, 5, 9-12. Added to the ticked replies."),
    )
    category = CategoryChoiceField(
        label=gettext_lazy("Category of the new topic"),
        queryset=Category.objects.none(),
    )

    def __init__(
        self, *args: Any, actor: User, topic: Topic, numbers: range, **kwargs: Any
    ) -> None:
        kwargs.setdefault("initial", {})["category"] = topic.category_id
        super().__init__(*args, **kwargs)
        self.topic = topic
        cast(forms.ChoiceField, self.fields["posts"]).choices = [
            (n, str(n)) for n in numbers
        ]
        # The topic's own category is among them: splitting requires moderating it.
        cast(
            CategoryChoiceField, self.fields["category"]
        ).queryset = moderated_categories(actor)

    def clean_post_numbers(self) -> list[int]:
        return parse_post_numbers(
            self.cleaned_data["post_numbers"], highest=self.topic.last_post_number
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        chosen = set(cleaned.get("posts") or []) | set(
            cleaned.get("post_numbers") or []
        )
        if not chosen and not self.has_error("post_numbers"):
            self.add_error(
                "posts", _("Tick at least one reply, or type its number below.")
            )
        cleaned["numbers"] = sorted(chosen)
        return cleaned


class RetitleForm(ModerationForm):
    title = forms.CharField(
        label=gettext_lazy("New title"), max_length=TITLE_MAX_LENGTH + 50
    )


SLOW_MODE_LABELS = {
    0: gettext_lazy("Off"),
    60: gettext_lazy("1 minute"),
    300: gettext_lazy("5 minutes"),
    900: gettext_lazy("15 minutes"),
    3600: gettext_lazy("1 hour"),
    21600: gettext_lazy("6 hours"),
    86400: gettext_lazy("1 day"),
}


class SlowModeForm(ModerationForm):
    seconds = forms.TypedChoiceField(
        label=gettext_lazy("Members wait between their posts"),
        coerce=int,
        choices=[(s, SLOW_MODE_LABELS[s]) for s in actions.SLOW_MODE_SECONDS],
    )


def moderated_categories(actor: User) -> QuerySet[Category]:
    """Categories *actor* moderates (an assignment covers subcategories)."""
    categories = Category.objects.select_related("parent").order_by("position", "name")
    moderated = policy.moderated_category_ids(actor)
    if moderated is None:
        return categories
    return categories.filter(Q(pk__in=moderated) | Q(parent_id__in=moderated))


TOPIC_PATH = re.compile(r"^/t/(?:[^/]+/)?(\d+)(?:/|$)")


def parse_topic_reference(text: str) -> int | None:
    """A topic id from "123", "#123", "/t/slug/123/" or a full link to it."""
    text = text.strip().lstrip("#")
    if text.isdigit():
        return int(text)
    match = TOPIC_PATH.match(urlparse(text).path)
    return int(match.group(1)) if match else None


NUMBER_RANGE = re.compile(r"^#?(\d+)\s*(?:[-–]\s*#?(\d+))?$")
MAX_SPLIT_RANGE = 10000


def parse_post_numbers(text: str, *, highest: int) -> list[int]:
    """Post numbers from "4, 5, 9-12" (commas or spaces between items)."""
    numbers: set[int] = set()
    text = re.sub(r"\s*[-–]\s*", "-", text)
    for item in re.split(r"[,;\s]+", text.strip()):
        if not item:
            continue
        match = NUMBER_RANGE.match(item)
        if match is None:
            raise ValidationError(
                _("“%(item)s” isn't a post number or a range like 9-12.")
                % {"item": item}
            )
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if high < low:
            raise ValidationError(
                _("The range %(item)s runs backwards.") % {"item": item}
            )
        if high > highest or high - low > MAX_SPLIT_RANGE:
            raise ValidationError(
                _("This topic's posts go up to #%(n)d.") % {"n": highest}
            )
        numbers.update(range(low, high + 1))
    return sorted(numbers)


# --- Views ---------------------------------------------------------------------------------

ERROR_FIELDS = {
    "reason": "reason",
    "rule": "rule",
    "title": "title",
    "category": "category",
    "target": "target",
    "seconds": "seconds",
    "posts": "posts",
}


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    for error in exc.error_list:
        field = ERROR_FIELDS.get(error.code or "")
        form.add_error(field if field in form.fields else None, error)


def _topic(request: AuthedHttpRequest, topic_id: int, perm: Perm) -> Topic:
    topic = get_object_or_404(
        Topic.objects.select_related("category", "category__parent", "author"),
        pk=topic_id,
    )
    policy.require(request.user, perm, topic)
    return topic


def _moderate(
    request: AuthedHttpRequest,
    topic: Topic,
    form: forms.Form,
    *,
    verb: str,
    act: Callable[[dict[str, Any]], Topic],
    success: Callable[[Topic], StrOrPromise],
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """Show *form*; on a valid POST run *act* and return to the topic it
    gives back. An action's ValidationError re-renders the form (400)."""
    if request.method == "POST" and form.is_valid():
        try:
            result = act(form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, success(result))
            return redirect(result.get_absolute_url())
    return render(
        request,
        f"moderation/topic_{verb}/index.html",
        {"topic": topic, "form": form, **(context or {})},
        status=400 if request.method == "POST" else 200,
    )


def _flag_view(
    verb: str,
    perm: Perm,
    action: Callable[..., Topic],
    success: StrOrPromise,
) -> Callable[[AuthedHttpRequest, int], HttpResponse]:
    """A view for one of lock, unlock, close, reopen, pin, unpin."""

    @login_required
    @require_http_methods(["GET", "POST"])
    def view(request: AuthedHttpRequest, topic_id: int) -> HttpResponse:
        topic = _topic(request, topic_id, perm)
        form = ModerationForm(request.POST or None)
        return _moderate(
            request,
            topic,
            form,
            verb=verb,
            act=lambda data: action(
                request.user, topic, rule=data["rule"], reason=data["reason"]
            ),
            success=lambda _topic: success,
        )

    view.__name__ = f"topic_{verb}_view"
    view.__doc__ = f"Form and submit for {action.__name__}."
    return view


topic_lock_view = _flag_view(
    "lock", Perm.LOCK_TOPIC, actions.lock_topic, gettext_lazy("Topic locked.")
)
topic_unlock_view = _flag_view(
    "unlock", Perm.LOCK_TOPIC, actions.unlock_topic, gettext_lazy("Topic unlocked.")
)
topic_close_view = _flag_view(
    "close", Perm.CLOSE_TOPIC, actions.close_topic, gettext_lazy("Topic closed.")
)
topic_reopen_view = _flag_view(
    "reopen", Perm.CLOSE_TOPIC, actions.reopen_topic, gettext_lazy("Topic reopened.")
)
topic_pin_view = _flag_view(
    "pin", Perm.PIN_TOPIC, actions.pin_topic, gettext_lazy("Topic pinned.")
)
topic_unpin_view = _flag_view(
    "unpin", Perm.PIN_TOPIC, actions.unpin_topic, gettext_lazy("Topic unpinned.")
)


@login_required
@require_http_methods(["GET", "POST"])
def topic_retitle_view(request: AuthedHttpRequest, topic_id: int) -> HttpResponse:
    topic = _topic(request, topic_id, Perm.RETITLE_TOPIC)
    form = RetitleForm(request.POST or None, initial={"title": topic.title})
    return _moderate(
        request,
        topic,
        form,
        verb="retitle",
        act=lambda data: actions.retitle_topic(
            request.user,
            topic,
            title=data["title"],
            rule=data["rule"],
            reason=data["reason"],
        ),
        success=lambda _topic: _("Topic retitled."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def topic_move_view(request: AuthedHttpRequest, topic_id: int) -> HttpResponse:
    topic = _topic(request, topic_id, Perm.MOVE_TOPIC)
    form = MoveForm(request.POST or None, actor=request.user, topic=topic)
    return _moderate(
        request,
        topic,
        form,
        verb="move",
        act=lambda data: actions.move_topic(
            request.user,
            topic,
            category=data["category"],
            rule=data["rule"],
            reason=data["reason"],
        ),
        success=lambda moved: (
            _("Topic moved to %(category)s.") % {"category": moved.category.name}
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def topic_merge_view(request: AuthedHttpRequest, topic_id: int) -> HttpResponse:
    topic = _topic(request, topic_id, Perm.MERGE_TOPIC)
    form = MergeForm(request.POST or None, actor=request.user, topic=topic)
    return _moderate(
        request,
        topic,
        form,
        verb="merge",
        act=lambda data: actions.merge_topics(
            request.user,
            topic,
            into=data["target"],
            rule=data["rule"],
            reason=data["reason"],
        ),
        success=lambda into: (
            _("“%(source)s” was merged into this topic.") % {"source": topic.title}
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def topic_split_view(request: AuthedHttpRequest, topic_id: int) -> HttpResponse:
    topic = _topic(request, topic_id, Perm.SPLIT_TOPIC)
    page_count = max(1, -(-(topic.last_post_number - 1) // SPLIT_POSTS_PER_PAGE))
    try:
        page = min(max(1, int(request.GET.get("page", "1"))), page_count)
    except ValueError:
        page = 1
    # Replies are numbered densely from 2, so a page is a range of numbers.
    first = 2 + (page - 1) * SPLIT_POSTS_PER_PAGE
    numbers = range(
        first, min(first + SPLIT_POSTS_PER_PAGE, topic.last_post_number + 1)
    )
    replies = list(
        Post.objects.filter(topic=topic, number__in=numbers)
        .only(
            "pk",
            "number",
            "author_name",
            "created_at",
            "body_text",
            "is_hidden",
            "deleted_at",
            "removed_at",
        )
        .order_by("number")
    )
    for reply in replies:
        reply.excerpt = Truncator(reply.body_text).chars(140)
    form = SplitForm(
        request.POST or None, actor=request.user, topic=topic, numbers=numbers
    )
    selected = (
        {str(n) for n in cast(QueryDict, form.data).getlist("posts")}
        if form.is_bound
        else set()
    )
    return _moderate(
        request,
        topic,
        form,
        verb="split",
        act=lambda data: actions.split_topic(
            request.user,
            topic,
            post_numbers=data["numbers"],
            title=data["title"],
            category=data["category"],
            rule=data["rule"],
            reason=data["reason"],
        ),
        success=lambda new: (
            ngettext(
                "Split %(count)d post off “%(title)s” into this new topic.",
                "Split %(count)d posts off “%(title)s” into this new topic.",
                new.last_post_number,
            )
            % {"count": new.last_post_number, "title": topic.title}
        ),
        context={
            "replies": replies,
            "selected": selected,
            "page": page,
            "page_count": page_count,
            "pages": range(1, page_count + 1),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def topic_slow_mode_view(request: AuthedHttpRequest, topic_id: int) -> HttpResponse:
    topic = _topic(request, topic_id, Perm.SLOW_MODE)
    form = SlowModeForm(
        request.POST or None, initial={"seconds": topic.slow_mode_seconds}
    )
    return _moderate(
        request,
        topic,
        form,
        verb="slow_mode",
        act=lambda data: actions.set_slow_mode(
            request.user,
            topic,
            seconds=data["seconds"],
            rule=data["rule"],
            reason=data["reason"],
        ),
        success=lambda changed: (
            _("Slow mode is now: %(wait)s.")
            % {"wait": SLOW_MODE_LABELS[changed.slow_mode_seconds]}
        ),
        context={"current_wait": SLOW_MODE_LABELS.get(topic.slow_mode_seconds)},
    )


def _route(verb: str) -> str:
    return f"t/<int:topic_id>/moderate/{verb.replace('_', '-')}/"


urlpatterns: list[URLPattern] = [
    path(_route("lock"), topic_lock_view, name="topic_lock"),
    path(_route("unlock"), topic_unlock_view, name="topic_unlock"),
    path(_route("close"), topic_close_view, name="topic_close"),
    path(_route("reopen"), topic_reopen_view, name="topic_reopen"),
    path(_route("pin"), topic_pin_view, name="topic_pin"),
    path(_route("unpin"), topic_unpin_view, name="topic_unpin"),
    path(_route("move"), topic_move_view, name="topic_move"),
    path(_route("merge"), topic_merge_view, name="topic_merge"),
    path(_route("split"), topic_split_view, name="topic_split"),
    path(_route("retitle"), topic_retitle_view, name="topic_retitle"),
    path(_route("slow_mode"), topic_slow_mode_view, name="topic_slow_mode"),
]
