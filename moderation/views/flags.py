"""Flagging a post, the review queue and its decisions, asking for another review."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.typing import AuthedHttpRequest
from forum.models import Post
from moderation.actions import flags as actions
from moderation.log import REASON_MAX_LENGTH
from moderation.models import Flag, FlagKind, FlagStatus, ModerationAction, Rule
from permissions import policy
from permissions.policy import Perm

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

POSTS_PER_PAGE = 25
DURATION_DAYS = [1, 3, 7, 14, 30, 90, 365]


class FlagForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What is wrong with this post?"),
        choices=FlagKind.choices,
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        label=gettext_lazy("Message to the moderators"),
        required=False,
        max_length=actions.FLAG_MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Required for “Something else”. Only moderators see who flagged."
        ),
    )


class DecideForm(forms.Form):
    """One post's decision in the review queue. The rule choices come from a
    list loaded once per page, so rendering 25 forms costs no query."""

    decision = forms.ChoiceField(
        choices=[
            ("agree", gettext_lazy("Agree")),
            ("disagree", gettext_lazy("Disagree")),
            ("defer", gettext_lazy("Defer")),
        ]
    )
    outcome = forms.ChoiceField(
        label=gettext_lazy("If you agree"),
        required=False,
        choices=[
            ("", gettext_lazy("Choose an action")),
            ("hide", gettext_lazy("Hide the post (readable on click)")),
            ("remove_spam", gettext_lazy("Remove the post as spam")),
            ("remove_illegal", gettext_lazy("Remove the post as illegal content")),
            ("warn", gettext_lazy("Warn the author")),
            ("silence", gettext_lazy("Silence the author")),
            ("suspend", gettext_lazy("Suspend the author")),
        ],
    )
    rule = forms.ChoiceField(label=gettext_lazy("Rule"), required=False)
    reason = forms.CharField(
        label=gettext_lazy("Reason (the member and the public log see it)"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    duration = forms.TypedChoiceField(
        label=gettext_lazy("For silence or suspension"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", gettext_lazy("Choose a duration"))]
        + [
            (str(days), ngettext_lazy("%(n)d day", "%(n)d days", "n") % {"n": days})
            for days in DURATION_DAYS
        ],
    )

    def __init__(self, *args: Any, rules: list[Rule], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules = {str(rule.pk): rule for rule in rules}
        cast(forms.ChoiceField, self.fields["rule"]).choices = [
            ("", _("Other (explain in the reason)")),
            *((pk, str(rule)) for pk, rule in self.rules.items()),
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        decision = data.get("decision")
        if decision == "agree" and not data.get("outcome"):
            self.add_error("outcome", _("Choose what to do about the post."))
        if decision in ("agree", "disagree") and not (data.get("reason") or "").strip():
            self.add_error(
                "reason",
                _("Write the reason: the member and the public log will see it."),
            )
        if (
            decision == "agree"
            and data.get("outcome") in ("silence", "suspend")
            and not data.get("duration")
        ):
            self.add_error("duration", _("Choose how long it lasts."))
        return data

    @property
    def chosen_rule(self) -> Rule | None:
        return self.rules.get(self.cleaned_data.get("rule") or "")

    @property
    def chosen_duration(self) -> timedelta | None:
        days = self.cleaned_data.get("duration")
        return timedelta(days=days) if days else None


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    """Attach an action's ValidationError to the field it is about."""
    for error in exc.error_list:
        field = error.code if error.code in form.fields else None
        form.add_error(field, error)


def _post_or_404(request: AuthedHttpRequest, post_id: int) -> Post:
    post = get_object_or_404(
        Post.objects.select_related("topic__category__parent", "author"), pk=post_id
    )
    policy.require(request.user, Perm.VIEW_TOPIC, post.topic)
    return post


# --- Flagging --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def flag_view(request: AuthedHttpRequest, post_id: int) -> HttpResponse:
    """GET shows the flag form; POST flags (htmx gets a small thank-you fragment).

    Brand representatives may flag too: their flags weigh nothing toward
    the automatic hide.
    """
    post = _post_or_404(request, post_id)
    policy.require(request.user, Perm.FLAG_POST, post)
    form = FlagForm(request.POST or None, auto_id=f"id_flag{post.pk}_%s")
    if request.method == "POST" and form.is_valid():
        try:
            actions.flag_post(
                request.user,
                post,
                kind=form.cleaned_data["kind"],
                message=form.cleaned_data["message"],
            )
        except ValidationError as exc:
            if exc.error_list[0].code != "duplicate":
                _add_errors(form, exc)
            else:
                return _flagged(request, post, exc.error_list[0].message)
        else:
            return _flagged(request, post, _("Thanks, moderators will review it."))
    status = 400 if request.method == "POST" else 200
    # htmx loads the bare form into the post's footer; the page keeps its title.
    if request.htmx and request.method == "GET":
        template = "moderation/flag/_form.html"
    else:
        template = "moderation/flag/index.html"
    return render(request, template, {"post": post, "form": form}, status=status)


def _flagged(
    request: AuthedHttpRequest, post: Post, text: StrOrPromise
) -> HttpResponse:
    if request.htmx:
        return render(
            request, "moderation/flag/_done.html", {"post": post, "text": text}
        )
    messages.success(request, text)
    return redirect(post.topic.get_post_url(post.number))


@login_required
@require_POST
def request_review_view(request: AuthedHttpRequest, post_id: int) -> HttpResponse:
    """The author of a post hidden pending review asks for another look."""
    post = _post_or_404(request, post_id)
    policy.require(request.user, Perm.REQUEST_REVIEW, post)
    try:
        actions.request_review(request.user, post)
    except ValidationError as exc:
        messages.info(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Moderators were asked to look at your post again."),
        )
    return redirect(post.topic.get_post_url(post.number))


# --- The review queue ------------------------------------------------------------------


def _queue_posts(request: AuthedHttpRequest) -> QuerySet[Post]:
    """Posts with pending flags whose flags the user may review (the policy's
    reviewable_posts): those with open flags first, then deferred ones, oldest first.

    Everything a row shows is annotated or prefetched, so a page costs the
    same number of queries whatever it holds.
    """
    pending = Flag.objects.filter(post=OuterRef("pk"), status__in=actions.PENDING)
    open_flags = pending.filter(status=FlagStatus.OPEN)
    posts = (
        Post.objects.filter(Exists(pending))
        .annotate(
            has_open=Exists(open_flags),
            first_flagged_at=Subquery(
                pending.order_by()
                .values("post")
                .annotate(m=Min("created_at"))
                .values("m")
            ),
            open_weight=Coalesce(
                Subquery(
                    open_flags.filter(from_brand_rep=False)
                    .order_by()
                    .values("post")
                    .annotate(s=Sum("weight"))
                    .values("s"),
                    output_field=IntegerField(),
                ),
                0,
            ),
            author_post_count=Coalesce(
                Subquery(
                    Post.objects.filter(
                        author_id=OuterRef("author_id"), deleted_at__isnull=True
                    )
                    .order_by()
                    .values("author_id")
                    .annotate(c=Count("pk"))
                    .values("c"),
                    output_field=IntegerField(),
                ),
                0,
            ),
            author_action_count=Coalesce(
                Subquery(
                    ModerationAction.objects.filter(
                        target_user_id=OuterRef("author_id"), reversed_at__isnull=True
                    )
                    .order_by()
                    .values("target_user_id")
                    .annotate(c=Count("pk"))
                    .values("c"),
                    output_field=IntegerField(),
                ),
                0,
            ),
            review_requested_at=Subquery(
                Flag.objects.filter(post=OuterRef("pk"), status__in=actions.PENDING)
                .order_by()
                .values("post")
                .annotate(m=Max("review_requested_at"))
                .values("m")
            ),
        )
        .select_related("topic__category", "author")
        .prefetch_related(
            Prefetch(
                "flags",
                queryset=Flag.objects.filter(status__in=actions.PENDING)
                .select_related("flagger")
                .order_by("created_at", "pk"),
                to_attr="pending_flags",
            )
        )
        .order_by("-has_open", "first_flagged_at", "pk")
    )
    return policy.reviewable_posts(request.user, posts)


def _render_queue(
    request: AuthedHttpRequest,
    *,
    failed: Post | None = None,
    failed_form: DecideForm | None = None,
    status: int = 200,
) -> HttpResponse:
    page_number = request.POST.get("page") or request.GET.get("page") or 1
    page: Page[Post] = Paginator(_queue_posts(request), POSTS_PER_PAGE).get_page(
        page_number
    )
    page.object_list = list(page.object_list)
    rules = list(Rule.objects.filter(is_active=True))
    shown_failed = False
    for post in page.object_list:
        if failed is not None and post.pk == failed.pk:
            post.decide_form = failed_form
            shown_failed = True
        else:
            post.decide_form = DecideForm(rules=rules, auto_id=f"id_q{post.pk}_%s")
        # pending_flags: Prefetch(to_attr=...) in _queue_posts, untracked by the stubs.
        post.brand_flagged = any(f.from_brand_rep for f in post.pending_flags)  # type: ignore[attr-defined]
    return render(
        request,
        "moderation/queue/index.html",
        {
            "page_obj": page,
            "threshold": settings.FORUM_FLAG_HIDE_THRESHOLD,
            # A failed decision whose post is no longer on this page shows
            # its errors at the top.
            "orphan_form": failed_form
            if failed is not None and not shown_failed
            else None,
        },
        status=status,
    )


@login_required
@require_GET
def queue_view(request: AuthedHttpRequest) -> HttpResponse:
    """Pending flags grouped by post, for the categories the user moderates.

    Flaggers' names are shown: only moderators and admins reach this page.
    """
    policy.require(request.user, Perm.VIEW_REVIEW_QUEUE, None)
    return _render_queue(request)


@login_required
@require_POST
def queue_decide_view(request: AuthedHttpRequest, post_id: int) -> HttpResponse:
    """Agree, disagree or defer on one post's flags; bad input re-renders the
    queue with the form's errors and what was typed (400)."""
    post = get_object_or_404(
        Post.objects.select_related("topic__category__parent", "author"), pk=post_id
    )
    policy.require(request.user, Perm.REVIEW_FLAGS, post)
    rules = list(Rule.objects.filter(is_active=True))
    form = DecideForm(request.POST, rules=rules, auto_id=f"id_q{post.pk}_%s")
    status = 400
    if form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            actions.decide_flags(
                request.user,
                post,
                decision=decision,
                outcome=form.cleaned_data["outcome"] or None,
                rule=form.chosen_rule,
                reason=form.cleaned_data["reason"],
                duration=form.chosen_duration,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except PermissionDenied as exc:
            # The queue is theirs, but not this outcome (e.g. sanctioning a
            # fellow moderator): say why next to the form.
            form.add_error(None, str(exc) or _("You can't do that."))
            status = 403
        else:
            messages.success(request, _DONE[decision])
            url = reverse("moderation:queue")
            if (page := request.POST.get("page", "")).isdigit() and page != "1":
                url += f"?page={page}"
            return redirect(url)
    return _render_queue(request, failed=post, failed_form=form, status=status)


_DONE = {
    "agree": gettext_lazy(
        "Flags agreed and acted on; the action is in the public log."
    ),
    "disagree": gettext_lazy("Flags cleared: no action needed, the post is visible."),
    "defer": gettext_lazy("Deferred: the post stays in the queue."),
}


urlpatterns = [
    path("p/<int:post_id>/flag/", flag_view, name="flag_post"),
    path("p/<int:post_id>/request-review/", request_review_view, name="request_review"),
    path("moderation/queue/", queue_view, name="queue"),
    path(
        "moderation/queue/<int:post_id>/decide/", queue_decide_view, name="queue_decide"
    ),
]
