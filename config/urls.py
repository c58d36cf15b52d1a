from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.http import require_GET
from django.views.static import serve

from api.urls import api_urls
from config.colours import colours_css
from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("colours.css", colours_css, name="colours_css"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    # The forum's pages first: resolving a URL tries every pattern of each
    # include before it, and topic pages are most of the traffic.
    path("", include("forum.urls")),
    path("", include("accounts.urls")),
    path("", include("permissions.urls")),
    path("", include("moderation.urls")),
    path("", include("notifications.urls_email")),
    path("", include("notifications.urls")),
    path("", include("images.urls")),
    path("", include("uploads.urls")),
    path("", include("drafts.urls")),
    path("", include("ideas.urls")),
    # Community health (issue 16).
    path("", include("health.urls")),
    # insights: the listening report and give-and-get
    path("", include("insights.urls")),
    # Polls on topics.
    path("", include("polls.urls")),
    # Elsewhere in the community (issue 19).
    path("", include("elsewhere.urls")),
    # Community groups: /g/, applications, managers' decisions.
    path("", include("groups.urls")),
    # Recognition: the member directory, "Confirmed by <brand>" (issue 17).
    path("", include("recognition.urls")),
    # Escalation to support desks: the desk's signed status callbacks.
    path("", include("support.urls")),
    # Private conversations, reports of messages, ignoring (issue 23).
    path("", include("conversations.urls")),
    # A member's own data: download, account deletion (issue 24).
    path("", include("privacy.urls")),
    # Export jobs started from the admin: their archives (issue 24).
    path("exports/", include("exports.urls")),
    # The read API and members' API tokens (issue 24).
    path("", include("api.urls")),
    *api_urls,
]

if settings.SERVE_MEDIA:
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [
        re_path(
            rf"^{media_prefix}(?P<path>.*)$",
            require_GET(serve),
            {"document_root": settings.MEDIA_ROOT},
        ),
    ]

handler400 = "config.errors.bad_request"
handler404 = "config.errors.not_found"
handler403 = "config.errors.forbidden"
handler500 = "config.errors.server_error"
