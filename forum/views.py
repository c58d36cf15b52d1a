from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Brand
from accounts.roles import TrustLevel
from accounts.typing import AuthedHttpRequest
from elsewhere import queries as elsewhere_queries
from forum import actions, fragments, queries, search
from forum.cache import PAGE_META_ATTR, Personal, cache_page
from forum.forms import (
    AskBrandForm,
    EditPostForm,
    EscalateForm,
    ReplyForm,
    SearchForm,
    TopicForm,
    add_action_errors,
)
from forum.markup import MarkupError, image_urls, render_post_body
from forum.models import (
    Bookmark,
    Category,
    CategoryKind,
    Post,
    ReadState,
    Tag,
    Topic,
)
from forum.paging import DeepPaginator
from forum.revisions import revision_diffs
from ideas import queries as ideas_queries
from notifications.models import CategoryWatch
from permissions import policy
from permissions.policy import Perm
from polls import actions as poll_actions
from polls import queries as poll_queries
from polls.forms import NewTopicPollForm, add_poll_errors
from support import queries as support_queries
from uploads.queries import uploaded_images


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _paginate(
    request: HttpRequest,
    queryset: QuerySet[Any] | Sequence[Any],
    per_page: int = queries.TOPICS_PER_PAGE,
) -> Page[Any]:
    paginator = DeepPaginator(queryset, per_page)
    return paginator.get_page(_page_number(request))


def _watch_level(request: HttpRequest, watches: QuerySet[Any]) -> int | None:
    """The member's chosen watch level among *watches* (one query); None when
    signed out or nothing was chosen."""
    if not request.user.is_authenticated:
        return None
    return watches.filter(user=request.user).values_list("level", flat=True).first()


def _topic_or_404(
    request: HttpRequest, topic_id: int, *, follow_merge: bool = False
) -> Topic:
    topics = Topic.objects.select_related(
        "category", "category__parent", "accepted_post"
    ).defer(  # the accepted answer shows its rendered text only
        "accepted_post__body_source",
        "accepted_post__body_text",
        "accepted_post__search_vector",
    )
    topic = get_object_or_404(topics, pk=topic_id)
    if follow_merge and topic.merged_into_id is not None:
        # A merged topic is an empty shell: its pages lead to the topic it was
        # merged into, which the reader must be able to see.
        topic = get_object_or_404(topics, pk=topic.merged_into_id)
    policy.require(request.user, Perm.VIEW_TOPIC, topic)
    return topic


def _post_or_404(request: HttpRequest, post_id: int) -> Post:
    post = get_object_or_404(
        Post.objects.select_related("topic__category__parent", "author"), pk=post_id
    )
    policy.require(request.user, Perm.VIEW_TOPIC, post.topic)
    return post


# --- Lists ---------------------------------------------------------------------------------


def _no_personal_state(request: HttpRequest, *args: Any, **kwargs: Any) -> Personal:
    """A list page shows nothing of the viewer's own outside its holes (the
    header, the rows' unread state, the CSRF token: forum/holes.py)."""
    return Personal()


def _category_personal(request: AuthedHttpRequest, slug: str) -> Personal:
    """The category page: the member's watch level on it."""
    level = (
        CategoryWatch.objects.filter(user=request.user, category__slug=slug)
        .values_list("level", flat=True)
        .first()
    )
    return Personal(key=(level,))


def _topic_personal(
    request: AuthedHttpRequest, slug: str, topic_id: int
) -> Personal | None:
    """A topic page: what of the reader's own it shows outside its holes —
    their read position (the jump link and the unread divider), watch level,
    authorship of the topic (accepting answers, a hidden topic) and their
    posts, likes, bookmarks and pending flags on the page — goes in the key;
    reading it from the cache moves their read marker as a render would."""
    user = request.user
    page = _page_number(request)
    state = queries.reader_page(user, topic_id, page)
    if state is None:
        return None
    if user.trust_level == TrustLevel.NEW and any(own for _, own, *_ in state.posts):
        # A new member's edit window closes with time, not with a change.
        return None
    read = state.read_up_to
    first_unread = read + 1 if 0 < read < state.last_post_number else None

    def on_hit(meta: dict[str, Any]) -> None:
        last_number = meta.get("last_number", 0)
        if last_number > read:
            actions.record_read(user, topic_id, last_number)

    return Personal(
        key=(
            first_unread,
            state.watch_level,
            state.is_topic_author,
            state.escalated,
            state.asked_brand,
            state.posts,
        ),
        on_hit=on_hit,
    )


@require_GET
@cache_page(_no_personal_state)
def home_view(request: HttpRequest) -> HttpResponse:
    categories = queries.visible_categories(request.user)
    latest = list(queries.topic_list(request.user)[:10])
    return render(
        request, "forum/home/index.html", {"categories": categories, "latest": latest}
    )


@require_GET
@cache_page(_no_personal_state)
def latest_view(request: HttpRequest) -> HttpResponse:
    page = _paginate(request, queries.topic_list(request.user))
    return render(
        request,
        "forum/topic_list/index.html",
        {
            "page_obj": page,
            "list_title": _("Latest"),
            "feed_url": reverse("forum:feed_latest"),
        },
    )


@login_required
@require_GET
def new_view(request: AuthedHttpRequest) -> HttpResponse:
    """Topics the member has never opened, started after they joined."""
    topics = queries.topic_list(
        request.user,
        Topic.objects.filter(created_at__gte=request.user.date_joined).exclude(
            read_states__user=request.user
        ),
    )
    page = _paginate(request, topics)
    return render(
        request,
        "forum/topic_list/index.html",
        {"page_obj": page, "list_title": _("New")},
    )


@login_required
@require_GET
def unread_view(request: AuthedHttpRequest) -> HttpResponse:
    """Topics the member has opened and that have posts since."""
    unread_ids = ReadState.objects.filter(
        user=request.user,
        last_read_number__lt=F("topic__last_post_number"),
    ).values("topic_id")
    page = _paginate(
        request,
        queries.topic_list(request.user, Topic.objects.filter(pk__in=unread_ids)),
    )
    return render(
        request,
        "forum/topic_list/index.html",
        {"page_obj": page, "list_title": _("Unread")},
    )


@require_GET
@cache_page(_category_personal)
def category_view(request: HttpRequest, slug: str) -> HttpResponse:
    category = get_object_or_404(
        Category.objects.select_related("parent", "restricted_to"), slug=slug
    )
    policy.require(request.user, Perm.VIEW_CATEGORY, category)
    children = list(
        policy.visible_categories(request.user, category.children.all()).select_related(
            "last_topic", "restricted_to"
        )
    )
    queries.roll_up(children)
    topics = Topic.objects.filter(category__in=[category, *children])
    solved_filter = request.GET.get("filter", "")
    if category.kind == CategoryKind.QUESTIONS and solved_filter == "unsolved":
        topics = topics.filter(is_solved=False)
    elif category.kind == CategoryKind.QUESTIONS and solved_filter == "solved":
        topics = topics.filter(is_solved=True)
    else:
        solved_filter = ""
    page = _paginate(request, queries.topic_list(request.user, topics))
    return render(
        request,
        "forum/category/index.html",
        {
            "category": category,
            "children": children,
            "page_obj": page,
            "solved_filter": solved_filter,
            "page_query": queries.page_query({"filter": solved_filter}),
            "can_start": policy.check(request.user, Perm.START_TOPIC, category),
            "watch_level": _watch_level(
                request, CategoryWatch.objects.filter(category=category)
            ),
            # Elsewhere (issue 19): items of the communities tied to it.
            "elsewhere_stream": elsewhere_queries.category_stream(category),
        },
    )


@require_GET
@cache_page(_no_personal_state)
def tag_view(request: HttpRequest, slug: str) -> HttpResponse:
    tag = get_object_or_404(Tag, slug=slug)
    page = _paginate(
        request, queries.topic_list(request.user, Topic.objects.filter(tags=tag))
    )
    return render(
        request,
        "forum/topic_list/index.html",
        {
            "page_obj": page,
            "list_title": _("Tagged “%(tag)s”") % {"tag": tag.name},
            "tag": tag,
        },
    )


# --- Topic pages ---------------------------------------------------------------------------


@require_GET
def topic_short_view(request: HttpRequest, topic_id: int) -> HttpResponse:
    topic = _topic_or_404(request, topic_id, follow_merge=True)
    return redirect(topic.get_absolute_url(), permanent=True)


@require_GET
@cache_page(_topic_personal)
def topic_view(request: HttpRequest, slug: str, topic_id: int) -> HttpResponse:
    topic = _topic_or_404(request, topic_id, follow_merge=True)
    if slug != topic.slug or topic.pk != topic_id:
        # Old slugs of retitled topics (and mistyped ones) land on the topic,
        # and a merged topic's URL on the topic it was merged into.
        url = topic.get_absolute_url()
        if request.GET:
            url += "?" + request.GET.urlencode()
        return HttpResponseRedirect(url, status=301)
    page_count = queries.page_count(topic)
    page = _page_number(request)
    if page > page_count:
        raise Http404
    return _render_topic(request, topic, page, page_count)


def _render_topic(
    request: HttpRequest,
    topic: Topic,
    page: int,
    page_count: int,
    *,
    reply_form: ReplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    posts = queries.topic_posts(request.user, topic, page)
    # What the viewer may do to each post, asked once per page.
    controls = policy.post_controls(request.user, topic, posts)
    for post in posts:
        post.controls = controls[post.pk]
    topic_actions = queries.attach_tombstones(topic, posts)
    fragments.attach_post_content(topic, posts)
    # Elsewhere (issue 19): link cards for posts linking to listed items.
    elsewhere_queries.attach_link_cards(posts)
    read_up_to, watch_level = queries.reader_state(request.user, topic)
    if request.user.is_authenticated and posts and posts[-1].number > read_up_to:
        actions.mark_read(request.user, topic, posts[-1].number)
    if posts:
        # A page served from the cache moves the read marker the same way.
        setattr(request, PAGE_META_ATTR, {"last_number": posts[-1].number})
    first_post = posts[0] if posts and posts[0].number == 1 else None
    reply_check = policy.check(request.user, Perm.REPLY, topic)
    if reply_form is None and reply_check.allowed:
        reply_form = ReplyForm()
    # Support: each escalation with its ticket and the desk's status notes.
    escalations = support_queries.topic_escalations(topic)
    return render(
        request,
        "forum/topic/index.html",
        {
            "topic": topic,
            "posts": posts,
            "first_post": first_post,
            "page": page,
            "page_count": page_count,
            "pages": range(1, page_count + 1),
            "read_up_to": read_up_to,
            "first_unread": read_up_to + 1
            if 0 < read_up_to < topic.last_post_number
            else None,
            "reply_check": reply_check,
            "reply_form": reply_form,
            "tags": list(topic.tags.all()),
            "escalations": escalations,
            "topic_actions": topic_actions,
            "my_escalations": [
                e for e in escalations if e.member_id and e.member_id == request.user.pk
            ],
            # Read only when the template offers to ask a brand.
            "brands": SimpleLazyObject(
                lambda: queries.brands_to_ask(request.user, topic)
            ),
            "watch_level": watch_level,
            "idea_panel": ideas_queries.panel(request.user, topic)
            if topic.category.kind == CategoryKind.IDEAS
            else None,
            # Polls: the topic's poll as this reader sees it (None without one).
            "pollv": poll_queries.poll_view(request.user, topic),
        },
        status=status,
    )


@require_GET
def topic_post_view(
    request: HttpRequest, slug: str, topic_id: int, number: int
) -> HttpResponse:
    topic = _topic_or_404(request, topic_id)
    if number < 1 or number > topic.last_post_number:
        raise Http404
    page = queries.page_of(number)
    url = topic.get_absolute_url()
    if page > 1:
        url += f"?page={page}"
    return redirect(f"{url}#post-{number}")


@require_GET
def topic_first_unread_view(request: HttpRequest, topic_id: int) -> HttpResponse:
    topic = _topic_or_404(request, topic_id)
    read_up_to = queries.read_position(request.user, topic)
    number = min(read_up_to + 1, topic.last_post_number)
    return redirect(topic.get_post_url(number))


@require_GET
def post_view(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _post_or_404(request, post_id)
    return redirect(post.topic.get_post_url(post.number))


# --- Writing ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def topic_start_view(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    category = get_object_or_404(Category.objects.select_related("parent"), slug=slug)
    policy.require(request.user, Perm.START_TOPIC, category)
    form = TopicForm(request.POST or None)
    # Polls: the poll block, where the policy lets this member start one.
    poll_form = (
        NewTopicPollForm(request.POST or None)
        if policy.can(request.user, Perm.START_POLL, category)
        else None
    )
    poll_valid = poll_form is None or poll_form.is_valid()
    if request.method == "POST" and form.is_valid() and poll_valid:
        try:
            if poll_form is not None and poll_form.wants_poll():
                topic = poll_actions.start_topic_with_poll(
                    request.user,
                    category,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    tags=form.cleaned_data["tags"],
                    poll=poll_form.spec,
                )
            else:
                topic = actions.create_topic(
                    request.user,
                    category,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    tags=form.cleaned_data["tags"],
                )
        except ValidationError as exc:
            others = add_poll_errors(poll_form, exc) if poll_form else exc.error_list
            add_action_errors(form, ValidationError(others))
        else:
            return redirect(topic.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "forum/topic_start/index.html",
        {
            "category": category,
            "form": form,
            "tags": Tag.objects.all(),
            "poll_form": poll_form,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def reply_view(request: AuthedHttpRequest, topic_id: int) -> HttpResponse:
    topic = _topic_or_404(request, topic_id)
    policy.require(request.user, Perm.REPLY, topic)
    if request.method == "GET":
        return _reply_form_page(request, topic)
    form = ReplyForm(request.POST)
    if form.is_valid():
        reply_to = None
        if form.cleaned_data["reply_to"]:
            reply_to = Post.objects.filter(
                pk=form.cleaned_data["reply_to"], topic=topic
            ).first()
        try:
            post = actions.reply_to_topic(
                request.user,
                topic,
                body=form.cleaned_data["body"],
                reply_to=reply_to,
                official=form.cleaned_data["official"],
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
            if any(error.code == "reply_to" for error in exc.error_list):
                # Keep the text, drop the post it can no longer point to.
                data = request.POST.copy()
                data["reply_to"] = ""
                form.data = data
        else:
            url = topic.get_post_url(post.number)
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
    return _reply_form_page(request, topic, form=form, status=400)


def _reply_form_page(
    request: AuthedHttpRequest,
    topic: Topic,
    *,
    form: ReplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The reply composer on its own page (JavaScript off, quoting, errors)."""
    reply_to = None
    if form is None:
        initial: dict[str, object] = {}
        quote_id = request.GET.get("quote") or request.GET.get("reply_to")
        if quote_id and quote_id.isdigit():
            reply_to = Post.objects.filter(
                actions.REPLYABLE_POSTS, pk=int(quote_id), topic=topic
            ).first()
        if reply_to is not None:
            initial["reply_to"] = reply_to.pk
            if request.GET.get("quote"):
                initial["body"] = quote_markdown(reply_to, request.GET.get("text", ""))
        form = ReplyForm(initial=initial)
    elif form.data.get("reply_to", "").isdigit():
        reply_to = Post.objects.filter(
            actions.REPLYABLE_POSTS, pk=int(form.data["reply_to"]), topic=topic
        ).first()
    return render(
        request,
        "forum/reply/index.html",
        {"topic": topic, "form": form, "reply_to": reply_to},
        status=status,
    )


QUOTE_MAX_SELECTION = 4000


def quote_markdown(post: Post, selection: str = "") -> str:
    """Markdown quoting *post* (or the selected part of it) with attribution."""
    text = selection.strip() if selection.strip() else post.body_source.strip()
    quoted = "\n".join(f"> {line}" if line else ">" for line in text.splitlines())
    attribution = _("%(name)s wrote") % {"name": post.author_name}
    return f"> [{attribution}]({post.get_absolute_url()}):\n{quoted}\n\n"


@login_required
@require_http_methods(["GET", "POST"])
def post_edit_view(request: AuthedHttpRequest, post_id: int) -> HttpResponse:
    post = _post_or_404(request, post_id)
    policy.require(request.user, Perm.EDIT_POST, post)
    initial = {
        "body": post.body_source,
        "title": post.topic.title if post.number == 1 else "",
    }
    form = EditPostForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.edit_post(
                request.user,
                post,
                body=form.cleaned_data["body"],
                title=form.cleaned_data["title"] if post.number == 1 else None,
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("Your post was updated."))
            return redirect(post.topic.get_post_url(post.number))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "forum/post_edit/index.html",
        {"post": post, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_delete_view(request: AuthedHttpRequest, post_id: int) -> HttpResponse:
    post = _post_or_404(request, post_id)
    policy.require(request.user, Perm.DELETE_POST, post)
    if request.method == "POST":
        actions.delete_post(request.user, post)
        messages.success(request, _("Your post was deleted. Its history is kept."))
        if post.topic.deleted_at is not None:
            return redirect(post.topic.category.get_absolute_url())
        return redirect(post.topic.get_post_url(post.number))
    return render(
        request,
        "forum/post_delete/index.html",
        {"post": post, "deletes_topic": actions.deletes_topic(post)},
    )


@login_required
@require_POST
def post_like_view(request: AuthedHttpRequest, post_id: int) -> HttpResponse:
    post = _post_or_404(request, post_id)
    if request.POST.get("action") == "unlike":
        actions.unlike_post(request.user, post)
        post.liked_by_me = False
    else:
        actions.like_post(request.user, post)
        post.liked_by_me = True
    if request.htmx:
        post.controls = policy.post_controls(request.user, post.topic, [post])[post.pk]
        return render(request, "forum/topic/_like.html", {"post": post})
    return redirect(post.topic.get_post_url(post.number))


@login_required
@require_POST
def post_accept_view(request: AuthedHttpRequest, post_id: int) -> HttpResponse:
    post = _post_or_404(request, post_id)
    if request.POST.get("action") == "unaccept":
        actions.unaccept_answer(request.user, post.topic)
        message = _("The answer is no longer marked as accepted.")
    else:
        actions.accept_answer(request.user, post)
        message = _("Marked as the accepted answer.")
    if request.htmx:
        # The accepted answer shows in several places (labels on two posts, the
        # copy under the question, Solved in the header, every post's button):
        # answer with the post's page, re-read, and the form swaps in its
        # .topic-main (hx-select). See docs/decisions.md.
        topic = _topic_or_404(request, post.topic_id)
        page_count = queries.page_count(topic)
        page = min(queries.page_of(post.number), page_count)
        return _render_topic(request, topic, page, page_count)
    messages.success(request, message)
    return redirect(post.topic.get_post_url(post.number))


@login_required
@require_GET
def post_quote_view(request: AuthedHttpRequest, post_id: int) -> HttpResponse:
    """The Markdown quoting a post (?text= quotes the selected part), as plain
    text: the topic page's Quote button puts it into the composer."""
    post = _post_or_404(request, post_id)
    policy.require(request.user, Perm.REPLY, post.topic)
    if post.is_deleted or post.is_hidden:
        raise Http404
    text = quote_markdown(post, request.GET.get("text", "")[:QUOTE_MAX_SELECTION])
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


# --- Bookmarks (private to each member) --------------------------------------------------------


BOOKMARKS_PER_PAGE = 20


@login_required
@require_GET
def bookmarks_view(request: AuthedHttpRequest) -> HttpResponse:
    """My bookmarks, newest first; posts I can no longer see are marked, not shown."""
    page = _paginate(
        request, queries.user_bookmarks(request.user), per_page=BOOKMARKS_PER_PAGE
    )
    return render(request, "forum/bookmarks/index.html", {"page_obj": page})


@login_required
@require_http_methods(["GET", "POST"])
def post_bookmark_view(request: AuthedHttpRequest, post_id: int) -> HttpResponse:
    """Bookmark a post or remove the bookmark (the footer toggle, with htmx or
    as a plain form), and the small page that sets the bookmark's note."""
    post = get_object_or_404(
        Post.objects.select_related("topic__category__parent"), pk=post_id
    )
    if request.method == "POST" and request.POST.get("action") == "remove":
        actions.remove_bookmark(request.user, post)
        return _bookmark_saved(request, post, None, _("Bookmark removed."))

    policy.require(request.user, Perm.BOOKMARK_POST, post)
    bookmark = Bookmark.objects.filter(user=request.user, post=post).first()
    if request.method == "GET" and request.htmx and request.GET.get("show") == "toggle":
        # "Cancel" on the inline note form: the footer toggle again.
        return _bookmark_saved(request, post, bookmark, "")
    error = ""
    # None when the form has no note field (the toggle): the note stays as it is.
    note = request.POST.get("note") if request.method == "POST" else None
    if request.method == "POST":
        try:
            bookmark = actions.bookmark_post(request.user, post, note)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return _bookmark_saved(request, post, bookmark, _("Bookmarked."))
    context = {
        "post": post,
        "bookmark": bookmark,
        "note": bookmark.note if note is None and bookmark else note or "",
        "error": error,
        "next": _safe_next(request),
    }
    template = (
        "forum/bookmarks/_note_form.html"
        if request.htmx
        else "forum/bookmarks/edit.html"
    )
    return render(request, template, context, status=400 if error else 200)


def _bookmark_saved(
    request: AuthedHttpRequest, post: Post, bookmark: Bookmark | None, message: str
) -> HttpResponse:
    post.bookmarked_by_me = bookmark is not None
    post.bookmark_note = bookmark.note if bookmark else ""
    if request.htmx:
        post.controls = policy.post_controls(request.user, post.topic, [post])[post.pk]
        return render(
            request,
            "forum/bookmarks/_toggle.html",
            {"post": post, "topic": post.topic, "bookmark_swapped": True},
        )
    messages.success(request, message)
    return redirect(_safe_next(request) or post.topic.get_post_url(post.number))


def _safe_next(request: HttpRequest) -> str:
    """The local URL in ?next= / next=, else ""."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


@require_GET
def post_history_view(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _post_or_404(request, post_id)
    policy.require(request.user, Perm.VIEW_POST_HISTORY, post)
    revisions = list(post.revisions.order_by("number"))
    return render(
        request,
        "forum/post_history/index.html",
        {"post": post, "revisions": revision_diffs(revisions)},
    )


@require_POST
def preview_view(request: HttpRequest) -> HttpResponse:
    """Rendered preview of the composer's text (htmx); the same renderer as saving."""
    policy.require(request.user, Perm.PREVIEW_POST, None)
    body = request.POST.get("body", "")
    error = ""
    html = ""
    if body.strip():
        try:
            # Uploaded pictures show as they will in the post.
            html = render_post_body(body, images=uploaded_images(image_urls(body)))
        except MarkupError as exc:
            error = str(exc)
    return render(
        request, "forum/_preview.html", {"preview_html": html, "error": error}
    )


# --- Search ------------------------------------------------------------------------------------


@require_GET
@cache_page(_no_personal_state)
def search_view(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    page = None
    external: list[Any] = []
    if form.is_valid() and form.cleaned_data["q"].strip():
        results = search.search_posts(request.user, **form.cleaned_data)
        page = _paginate(request, results, per_page=20)
        search.attach_snippets(page, form.cleaned_data["q"])
        if page.number == 1:
            # Elsewhere (issue 19): labelled results from listed communities.
            external = elsewhere_queries.search_items(form.cleaned_data["q"])
    return render(
        request,
        "forum/search/index.html",
        {
            "form": form,
            "page_obj": page,
            "page_query": queries.page_query(request.GET.dict()),
            "categories": queries.visible_categories(request.user),
            "elsewhere_results": external,
        },
    )


# --- The brand as a peer resource ----------------------------------------------------------------


def _chosen_brand(request: HttpRequest) -> tuple[AskBrandForm, Brand | None]:
    """The ask/route form and the brand it names (None when it names none)."""
    form = AskBrandForm(request.POST)
    brand = None
    if form.is_valid():
        brand = Brand.objects.filter(pk=form.cleaned_data["brand"]).first()
    return form, brand


@login_required
@require_POST
def ask_brand_view(request: AuthedHttpRequest, topic_id: int) -> HttpResponse:
    topic = _topic_or_404(request, topic_id)
    policy.require(request.user, Perm.ASK_BRAND, topic)
    form, brand = _chosen_brand(request)
    if brand is None:
        messages.error(request, _("Choose which brand to ask."))
        return redirect(topic.get_absolute_url())
    try:
        actions.ask_brand(request.user, topic, brand, note=form.cleaned_data["note"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(brand)s's representatives were asked to respond.")
            % {"brand": brand.name},
        )
    return redirect(topic.get_absolute_url())


@login_required
@require_POST
def route_to_brand_view(request: AuthedHttpRequest, topic_id: int) -> HttpResponse:
    """A moderator hands a topic to a brand's representatives."""
    topic = _topic_or_404(request, topic_id)
    policy.require(request.user, Perm.ROUTE_TO_BRAND, topic)
    form, brand = _chosen_brand(request)
    if brand is None:
        messages.error(request, _("Choose which brand to route the topic to."))
        return redirect(topic.get_absolute_url())
    try:
        actions.route_to_brand(
            request.user, topic, brand, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The topic is in %(brand)s's representatives' queue.")
            % {"brand": brand.name},
        )
    return redirect(topic.get_absolute_url())


# Requests in topics locked or closed since, listed under the queue (oldest first).
ON_HOLD_SHOWN = 50


@login_required
@require_GET
def brand_queue_view(request: AuthedHttpRequest) -> HttpResponse:
    """Open ask-the-brand requests for the representative's brand, oldest first."""
    policy.require(request.user, Perm.ANSWER_BRAND_REQUESTS, None)
    requests = queries.open_brand_requests(request.user)
    page = _paginate(request, requests)
    on_hold = list(queries.brand_requests_on_hold(request.user)[: ON_HOLD_SHOWN + 1])
    return render(
        request,
        "forum/brand_queue/index.html",
        {
            "page_obj": page,
            "on_hold": on_hold[:ON_HOLD_SHOWN],
            "more_on_hold": len(on_hold) > ON_HOLD_SHOWN,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def escalate_view(request: AuthedHttpRequest, topic_id: int) -> HttpResponse:
    topic = _topic_or_404(request, topic_id)
    policy.require(request.user, Perm.ESCALATE_TO_SUPPORT, topic)
    form = EscalateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        brand = None
        if form.cleaned_data["brand"]:
            brand = Brand.objects.filter(pk=form.cleaned_data["brand"]).first()
        try:
            escalation = actions.escalate_to_support(
                request.user, topic, brand=brand, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(
                request,
                _("Escalated to %(brand)s support with reference %(ref)s.")
                % {"brand": escalation.brand.name, "ref": escalation.reference},
            )
            return redirect(topic.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "forum/escalate/index.html",
        {
            "topic": topic,
            "form": form,
            "brands": queries.brands(),
            # Escalating twice is refused: the page says where it stands.
            "escalations": support_queries.topic_escalations(topic),
        },
        status=status,
    )
