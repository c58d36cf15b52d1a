"""The in-app side of notifications: the bell, the list, watch levels,
email preferences and the staff delivery health page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Min, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.typing import AuthedHttpRequest, HtmxHttpRequest
from forum.models import Category, Topic
from notifications import actions
from notifications.emails import MAY_HAVE_BEEN_SENT
from notifications.models import (
    Delivery,
    EmailFrequency,
    Event,
    KindPreference,
    Notification,
    NotificationKind,
    WatchLevel,
)
from notifications.preferences import kind_preference, preferences_for
from permissions import policy
from permissions.policy import Perm

NOTIFICATIONS_PER_PAGE = 30
FAILED_DELIVERIES_SHOWN = 20
# htmx stops polling when a poll answers 286 (the session ended).
HTMX_STOP_POLLING = 286
# Sent with every change to read state, so the bell refreshes at once.
BELL_REFRESH_EVENT = "notifications-changed"

# Most to least: the order the choice is offered in.
WATCH_LEVELS = sorted(WatchLevel.choices, reverse=True)


# --- The bell ---------------------------------------------------------------------------


@require_GET
def bell_view(request: HtmxHttpRequest) -> HttpResponse:
    """The navbar's bell on its own, for htmx polling; its template counts."""
    if not request.user.is_authenticated:
        if request.htmx:
            return HttpResponse(status=HTMX_STOP_POLLING)
        return redirect_to_login(request.get_full_path())
    return render(request, "notifications/_bell.html")


# --- The list ---------------------------------------------------------------------------


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


@login_required
@require_GET
def list_view(request: AuthedHttpRequest) -> HttpResponse:
    """The member's notifications, newest first: two queries whatever their number."""
    notifications = Notification.objects.filter(recipient=request.user).only(
        "pk", "kind", "text", "url", "count", "created_at", "read_at"
    )
    paginator = Paginator(notifications, NOTIFICATIONS_PER_PAGE)
    page = paginator.get_page(_page_number(request))
    return render(request, "notifications/list/index.html", {"page_obj": page})


def _own_notification(request: AuthedHttpRequest, pk: int) -> Notification:
    # Someone else's notification is a 404, exactly like one that never existed.
    return get_object_or_404(Notification, pk=pk, recipient=request.user)


@login_required
@require_GET
def open_view(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go to what it is about."""
    notification = actions.mark_read(request.user, _own_notification(request, pk))
    url = notification.url
    if not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        url = reverse("notifications:list")
    return redirect(url)


def _list_url(request: HttpRequest) -> str:
    url = reverse("notifications:list")
    page = request.POST.get("page", "")
    if page.isdigit() and int(page) > 1:
        url += f"?page={int(page)}"
    return url


@login_required
@require_POST
def mark_read_view(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    notification = actions.mark_read(request.user, _own_notification(request, pk))
    if request.htmx:
        response = render(
            request,
            "notifications/list/_item.html",
            {"notification": notification, "just_read": True},
        )
        response["HX-Trigger"] = BELL_REFRESH_EVENT
        return response
    return redirect(_list_url(request))


@login_required
@require_POST
def mark_all_read_view(request: AuthedHttpRequest) -> HttpResponse:
    changed = actions.mark_all_read(request.user)
    if changed:
        messages.success(request, _("All notifications are marked as read."))
    else:
        messages.info(request, _("You had no unread notifications."))
    return redirect(_list_url(request))


# --- Watch levels -----------------------------------------------------------------------


class WatchForm(forms.Form):
    level = forms.TypedChoiceField(
        choices=WATCH_LEVELS,
        coerce=int,
        error_messages={
            "required": gettext_lazy("Choose Watching, Tracking, Normal or Muted."),
            "invalid_choice": gettext_lazy(
                "Choose Watching, Tracking, Normal or Muted."
            ),
        },
    )


def _watch_response(
    request: AuthedHttpRequest,
    *,
    target: Topic | Category,
    level: int | None,
    back_to: str,
    error: str = "",
) -> HttpResponse:
    """The watch control for htmx (swapped in place), or a redirect back with a
    message when JavaScript is off."""
    if request.htmx:
        context = {
            "watch_level": level,
            "watch_error": error,
            "watch_saved": not error,
            **_watch_target(target),
        }
        return render(
            request, "notifications/_watch.html", context, status=400 if error else 200
        )
    if error:
        messages.error(request, error)
    elif level is not None:
        messages.success(
            request,
            _("Saved. %(level)s.") % {"level": WatchLevel(level).label},
        )
    return redirect(back_to)


def _watch_target(target: Topic | Category) -> dict[str, Any]:
    if isinstance(target, Topic):
        return {"watch_topic": target}
    return {"watch_category": target}


def _watch_view(
    request: AuthedHttpRequest, target: Topic | Category, back_to: str
) -> HttpResponse:
    form = WatchForm(request.POST)
    if not form.is_valid():
        return _watch_response(
            request,
            target=target,
            level=None,
            back_to=back_to,
            error=" ".join(str(message) for message in form.errors["level"]),
        )
    level = form.cleaned_data["level"]
    try:
        if isinstance(target, Topic):
            actions.set_topic_watch(request.user, target, level)
        else:
            actions.set_category_watch(request.user, target, level)
    except ValidationError as exc:
        return _watch_response(
            request,
            target=target,
            level=None,
            back_to=back_to,
            error=" ".join(exc.messages),
        )
    return _watch_response(request, target=target, level=level, back_to=back_to)


@login_required
@require_POST
def watch_topic_view(request: AuthedHttpRequest, topic_id: int) -> HttpResponse:
    topic = get_object_or_404(
        Topic.objects.select_related("category__parent"), pk=topic_id
    )
    # Before reading the form: a bad request about a hidden topic must not
    # answer with a redirect that reveals its title.
    policy.require(request.user, Perm.VIEW_TOPIC, topic)
    return _watch_view(request, topic, topic.get_absolute_url())


@login_required
@require_POST
def watch_category_view(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    category = get_object_or_404(Category.objects.select_related("parent"), slug=slug)
    policy.require(request.user, Perm.VIEW_CATEGORY, category)
    return _watch_view(request, category, category.get_absolute_url())


# --- Email preferences --------------------------------------------------------------------


def _kind_field_name(kind: str) -> str:
    return f"kind_{kind}"


class PreferencesForm(forms.Form):
    """The global email frequency, then one choice per notification kind the
    member can receive (actions.preference_kinds)."""

    email_frequency = forms.ChoiceField(
        label=gettext_lazy("How often should we email you?"),
        choices=EmailFrequency.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "This applies to every email. With a daily or weekly digest nothing "
            "is emailed right away: everything you haven't turned off below comes "
            "in the digest. With “Never” nothing is emailed at all. Notifications "
            "in the app are not affected."
        ),
        error_messages={
            "required": gettext_lazy("Choose how often to get email."),
            "invalid_choice": gettext_lazy("Choose how often to get email."),
        },
    )

    def __init__(
        self, *args: Any, kinds: list[NotificationKind], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind_names: list[str] = []
        for kind in kinds:
            name = _kind_field_name(kind)
            self.fields[name] = forms.ChoiceField(
                label=kind.label,
                choices=KindPreference.choices,
                error_messages={
                    "required": _("Choose right away, digest or off for “%(kind)s”.")
                    % {"kind": kind.label},
                    "invalid_choice": _(
                        "Choose right away, digest or off for “%(kind)s”."
                    )
                    % {"kind": kind.label},
                },
            )
            self.kind_names.append(name)
        self.kinds = kinds

    @property
    def kind_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.kind_names]

    def per_kind(self) -> dict[str, str]:
        return {
            str(kind): self.cleaned_data[_kind_field_name(kind)] for kind in self.kinds
        }


@login_required
@require_http_methods(["GET", "POST"])
def preferences_view(request: AuthedHttpRequest) -> HttpResponse:
    kinds = actions.preference_kinds(request.user)
    prefs = preferences_for(request.user.pk)
    initial = {"email_frequency": prefs.email_frequency} | {
        _kind_field_name(kind): kind_preference(prefs, kind) for kind in kinds
    }
    form = PreferencesForm(request.POST or None, initial=initial, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_preferences(
                request.user,
                email_frequency=form.cleaned_data["email_frequency"],
                per_kind=form.per_kind(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your notification preferences were saved."))
            return redirect("notifications:preferences")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "notifications/preferences/index.html", {"form": form}, status=status
    )


# --- Delivery health (staff) ----------------------------------------------------------------


def delivery_health() -> dict[str, Any]:
    """Outbox and delivery figures for the health page: three aggregate
    queries, whatever the size of the tables."""
    events = Event.objects.aggregate(
        queued=Count("pk", filter=Q(dispatched_at__isnull=True)),
        dispatched=Count("pk", filter=Q(dispatched_at__isnull=False)),
        oldest_queued_at=Min("created_at", filter=Q(dispatched_at__isnull=True)),
    )
    rows = list(
        Delivery.objects.order_by()
        .values("channel", "status")
        .annotate(
            n=Count("pk"),
            # Failed after the send had begun (notifications.emails): never
            # sent again, and the member may or may not have it.
            uncertain=Count(
                "pk",
                filter=Q(
                    status=Delivery.Status.FAILED,
                    detail__startswith=MAY_HAVE_BEEN_SENT,
                ),
            ),
        )
    )
    counts = {(row["channel"], row["status"]): row["n"] for row in rows}
    statuses = [
        Delivery.Status.SENT,
        Delivery.Status.SKIPPED,
        Delivery.Status.FAILED,
        Delivery.Status.PENDING,
        Delivery.Status.CLAIMED,
        Delivery.Status.SENDING,
    ]
    channels = [
        {
            "label": channel.label,
            "counts": [
                counts.get((channel.value, status.value), 0) for status in statuses
            ],
        }
        for channel in Delivery.Channel
    ]
    failed = list(
        Delivery.objects.filter(status=Delivery.Status.FAILED)
        .select_related("event", "recipient")
        .order_by("-updated_at", "-pk")[:FAILED_DELIVERIES_SHOWN]
    )
    return {
        "queued": events["queued"],
        "dispatched": events["dispatched"],
        "oldest_queued_at": events["oldest_queued_at"],
        "statuses": [status.label for status in statuses],
        "channels": channels,
        "failed": failed,
        "may_have_been_sent": sum(row["uncertain"] for row in rows),
    }


@login_required
@require_GET
def health_view(request: AuthedHttpRequest) -> HttpResponse:
    if not policy.is_admin(request.user):
        raise PermissionDenied(_("Only administrators see delivery health."))
    return render(request, "notifications/health/index.html", delivery_health())
