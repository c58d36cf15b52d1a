"""Settings shared by every environment; values come from the environment.

dev.py, test.py and prod.py import this module and adjust what differs.
"""

from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_NAME = env_str("SITE_NAME", "Hearth")
# The public address of the site, without a trailing slash. Emails have no
# request to build links from, so every absolute URL in them starts here;
# use https in production (one-click unsubscribe requires it, RFC 8058).
# Unset, it is the address `make run` serves: http://127.0.0.1:$PORT.
PORT = env_int("PORT", 8000)
SITE_URL = env_str("SITE_URL") or f"http://127.0.0.1:{PORT}"

INSTALLED_APPS = [
    "config.apps.HearthAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sites",
    "django_htmx",
    "allauth",
    "allauth.account",
    # Sign-in with an existing identity (issue 23): a generic OpenID Connect
    # provider and, when their keys are set, allauth's own providers (below).
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "accounts",
    "forum",
    "ideas",
    "moderation",
    "notifications",
    "permissions",
    "images",
    # Community health (issue 16): figures per month and category.
    "health",
    # insights: the listening report and give-and-get
    "insights",
    # Polls on topics (issue 15, concept feedback).
    "polls",
    # Elsewhere in the community (issue 19): opted-in independent communities.
    "elsewhere",
    # Community groups: joining, applications, expiry, mentions, experts.
    "groups",
    # Recognition for peer-validated help, "Confirmed by <brand>" (issue 17).
    "recognition",
    # Escalation to brands' support desks (issue 18).
    "support",
    # Private conversations, ignoring members (issue 23).
    "conversations",
    # Uploads in posts (issue 22).
    "uploads",
    # Drafts kept on the server (issue 22).
    "drafts",
    # A member's own data: download, account deletion (issue 24).
    "privacy",
    # Full export of the public community, run from the admin (issue 24).
    "exports",
    # The read API, its tokens and the outgoing webhooks (issue 24); ninja
    # for its OpenAPI docs page's static files.
    "ninja",
    "api",
]

MIDDLEWARE = [
    # First, so every response gets the Content-Security-Policy header.
    "csp.middleware.CSPMiddleware",
    "config.health.HealthCheckMiddleware",
    # Reads from a read replica when one is configured (config.db_router).
    "config.db_router.ReplicaRoutingMiddleware",
    # A database that can't be reached is a 503 with Retry-After, not a 500.
    "config.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SuspensionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.VisitMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Innermost: fills each page's personal holes (forum/holes.py) before the
    # CSRF and messages middleware finish the response.
    "forum.holes.HoleMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.site",
                # The CSRF token as a personal hole (after Django's own).
                "forum.holes.csrf",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# Connections are kept DB_CONN_MAX_AGE seconds and checked before each request
# reuses one (CONN_HEALTH_CHECKS), so after a PostgreSQL restart the next
# request reconnects: web processes recover without a restart.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'hearth.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite keeps no connection worth reusing across threads of runserver.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
else:
    # A database that doesn't answer fails a request in seconds (a 503),
    # instead of holding a web worker for the operating system's TCP timeout.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5)
    )
# Read replicas (config.db_router): one alias per URL, replica1, replica2, …
# Reads of pages, feeds and search go to a replica that answers and lags at
# most REPLICA_MAX_LAG_SECONDS; a browser that wrote something reads from the
# primary for REPLICA_STICKY_SECONDS. Unset: every query goes to "default".
REPLICA_DATABASE_ALIASES: list[str] = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    _alias = f"replica{_number}"
    DATABASES[_alias] = dj_database_url.parse(
        _url,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    DATABASES[_alias].setdefault("OPTIONS", {})
    DATABASES[_alias]["OPTIONS"].setdefault(
        "connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5)
    )
    # Tests never create a replica database: the alias reads the test one.
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    REPLICA_DATABASE_ALIASES.append(_alias)
REPLICA_STICKY_SECONDS = env_int("REPLICA_STICKY_SECONDS", 15)
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 5)
DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Retry-After (seconds) of the 503 page served while the database is unreachable.
SERVICE_UNAVAILABLE_RETRY_AFTER = 30

# --- Cache and Celery -----------------------------------------------------------
# REDIS_URL serves both; CACHE_URL and BROKER_URL put them in separate Redis
# logical databases or instances (README, "Operations").
REDIS_URL = env_str("REDIS_URL")
CACHE_URL = env_str("CACHE_URL", REDIS_URL)
BROKER_URL = env_str("BROKER_URL", REDIS_URL)
if CACHE_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, but a Redis outage is a cache miss
            # (config.resilience): pages render from the database.
            "BACKEND": "config.resilience.ResilientRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "hearth",
            "OPTIONS": {
                # Fail fast: a cache that doesn't answer is skipped, not awaited.
                "socket_connect_timeout": 0.5,
                "socket_timeout": 1,
                "RETRY_SECONDS": env_int("CACHE_RETRY_SECONDS", 2),
            },
        }
    }
    # Sessions are read from Redis and written through to the database, so a
    # signed-in page view costs no session query, a Redis flush signs
    # nobody out, and a Redis outage reads them from the database.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "hearth",
        }
    }
if BROKER_URL:
    CELERY_BROKER_URL = BROKER_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    # No broker: tasks run in the web process, after the transaction commits
    # (delay_on_commit), which is enough for a small community or a trial.
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
# Enqueueing with the broker down gives up after about a second (a few when
# it doesn't answer at all); the outbox keeps the event and the sweep
# enqueues it later (notifications.events).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# Seconds a page rendered for an anonymous visitor may be served from the cache
# (forum.cache; every change invalidates it sooner). 0 turns the page cache off.
ANON_CACHE_SECONDS = env_int("ANON_CACHE_SECONDS", 300)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {
    # privacy: archives the broker missed, and expired archives' files
    "privacy-pending-exports": {
        "task": "privacy.build_pending_exports",
        "schedule": crontab(minute=53),
    },
    "uploads-remove-orphans": {
        "task": "uploads.remove_orphan_uploads",
        "schedule": crontab(minute=41),
    },
    "sweep-undispatched-events": {
        "task": "notifications.sweep_undispatched_events",
        "schedule": 60.0,
        # Sweeps queued up while no worker ran are redundant: the next one
        # does it all.
        "options": {"expires": 55},
    },
    "ideas-responses-due": {
        "task": "ideas.notify_responses_due",
        "schedule": crontab(minute=23),
    },
    "recompute-trust-levels": {
        "task": "accounts.recompute_trust_levels",
        "schedule": crontab(hour=3, minute=17),
    },
    "daily-digests": {
        "task": "notifications.send_digests",
        "schedule": crontab(hour=7, minute=0),
        "args": ("daily",),
    },
    "weekly-digests": {
        "task": "notifications.send_digests",
        "schedule": crontab(day_of_week=1, hour=7, minute=30),
        "args": ("weekly",),
    },
    "prune-old-events": {
        "task": "notifications.prune_old_events",
        "schedule": crontab(hour=4, minute=41),
    },
    # Community health (issue 16): every month again, nightly (hidden or
    # deleted posts change old months too; a full run takes seconds).
    "compute-health": {
        "task": "health.compute_health",
        "schedule": crontab(hour=2, minute=23),
    },
    # Peers first (issue 17): questions nobody in the community answered in
    # time go to the brand; awards recomputed from the facts nightly.
    "route-unanswered-questions": {
        "task": "forum.route_unanswered_questions",
        "schedule": crontab(minute="*/10"),
    },
    "recompute-awards": {
        "task": "recognition.recompute_all_awards",
        "schedule": crontab(hour=3, minute=47),
    },
    # insights: each brand's representatives get the listening report weekly
    "insights-weekly-reports": {
        "task": "insights.send_weekly_reports",
        "schedule": crontab(day_of_week=1, hour=8, minute=0),
    },
    # Elsewhere (issue 19): enqueue the feeds due by their own interval, and
    # drop items older than ELSEWHERE_ITEM_MAX_AGE_DAYS.
    "elsewhere-fetch-due-sources": {
        "task": "elsewhere.fetch_due_sources",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    "elsewhere-expire-items": {
        "task": "elsewhere.expire_items",
        "schedule": crontab(minute=37),
    },
    # groups: end memberships past their end, warn a week ahead
    "groups-expire-memberships": {
        "task": "groups.expire_memberships",
        "schedule": crontab(minute=7),
    },
    # api: send webhook deliveries whose task was lost
    "api-sweep-webhook-deliveries": {
        "task": "api.sweep_webhook_deliveries",
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 540},
    },
    # support: hand over escalations whose delivery task was lost
    "support-sweep-deliveries": {
        "task": "support.sweep_deliveries",
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 540},
    },
}

# --- Auth and accounts ------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's backends, refusing suspended members.
    "accounts.backends.HearthModelBackend",
    "accounts.backends.HearthAuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

SITE_ID = 1
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.HoneypotSignupForm"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# --- Sign-in with an existing identity (issue 23) -----------------------------------
# A generic OpenID Connect provider, configured entirely from the environment
# (all three of OIDC_SERVER_URL, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET, or it
# is off), plus Google and GitHub when their keys are set. Accounts are linked
# by email only when the provider says the address is verified and the local
# address is verified too (accounts.social.HearthSocialAccountAdapter).
SOCIALACCOUNT_ADAPTER = "accounts.social.HearthSocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "mandatory"
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS: dict[str, dict[str, Any]] = {}
OIDC_SERVER_URL = env_str("OIDC_SERVER_URL")
OIDC_CLIENT_ID = env_str("OIDC_CLIENT_ID")
OIDC_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET")
if OIDC_SERVER_URL and OIDC_CLIENT_ID and OIDC_CLIENT_SECRET:
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": env_str("OIDC_PROVIDER_ID", "sso"),
                "name": env_str("OIDC_NAME", "Single sign-on"),
                "client_id": OIDC_CLIENT_ID,
                "secret": OIDC_CLIENT_SECRET,
                "settings": {"server_url": OIDC_SERVER_URL},
            }
        ],
    }
for _provider, _prefix in (("google", "GOOGLE"), ("github", "GITHUB")):
    if env_str(f"{_prefix}_CLIENT_ID") and env_str(f"{_prefix}_CLIENT_SECRET"):
        INSTALLED_APPS.append(f"allauth.socialaccount.providers.{_provider}")
        SOCIALACCOUNT_PROVIDERS[_provider] = {
            "APPS": [
                {
                    "client_id": env_str(f"{_prefix}_CLIENT_ID"),
                    "secret": env_str(f"{_prefix}_CLIENT_SECRET"),
                }
            ]
        }
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_USERNAME_BLACKLIST = ["admin", "moderator", "staff", "support", "system"]
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
# allauth's default rate limits stay on (login failures, sign-ups, resets,
# confirmation mails); they need a shared cache, which REDIS_URL provides.
ACCOUNT_RATE_LIMITS = {
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
}

# --- Email -------------------------------------------------------------------------
_EMAIL_BACKENDS = {
    # A short summary (recipient, subject, links): config/mail.py.
    "console": "config.mail.SummaryConsoleBackend",
    "console-full": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
_email_backend = env_str("EMAIL_BACKEND", "smtp")
EMAIL_BACKEND = _EMAIL_BACKENDS.get(_email_backend, _email_backend)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Hearth <hearth@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- I18n, static and media ------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files served at the site's root by whitenoise: /favicon.ico, which browsers
# ask for on every first visit.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Serve uploads (avatars) from Django itself; set false when a reverse proxy
# serves MEDIA_ROOT at MEDIA_URL.
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The longest allowed post (30,000 characters: forum.markup's
# DEFAULT_MAX_POST_LENGTH) sent as a URL-encoded form, where a character takes
# up to 4 UTF-8 bytes and each byte is sent as %XX (12 bytes a character), plus
# 64 KiB for the title and the other fields: 424,000 bytes. A bigger body is
# refused before it is parsed (config.errors.bad_request: 413, the site's error
# page); a text under it but over the post limit gets the form back with its
# message. Files (avatars) don't count toward it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 30_000 * 12 + 64 * 1024
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Members' uploads (uploads app): never served from a public URL.
    "uploads": {"BACKEND": "uploads.storage.PrivateFileSystemStorage"},
}
# Archives of the community exports started from the admin (exports app):
# private, outside MEDIA_ROOT, served only to administrators.
EXPORTS_ROOT = Path(env_str("EXPORTS_ROOT", str(VAR_DIR / "exports")))
# Where uploads are kept on disk when no bucket is configured (below).
UPLOADS_ROOT = Path(env_str("UPLOADS_ROOT", str(VAR_DIR / "uploads")))
# An S3-compatible bucket for uploads (django-storages), shared by every web
# server; read through uploads.views like the files on disk.
UPLOADS_S3_BUCKET = env_str("UPLOADS_S3_BUCKET", "")
if UPLOADS_S3_BUCKET:
    STORAGES["uploads"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": UPLOADS_S3_BUCKET,
            "endpoint_url": env_str("UPLOADS_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("UPLOADS_S3_REGION", "") or None,
            "access_key": env_str("UPLOADS_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("UPLOADS_S3_SECRET_ACCESS_KEY", "") or None,
            "location": env_str("UPLOADS_S3_PREFIX", "uploads"),
            # Private objects; the same name always holds the same bytes.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": True,
        },
    }

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler would print every django.* record a
        # second time (it propagates to the root's): "Not Found" twice.
        "django": {"handlers": [], "level": "INFO"},
        "django.db.backends": {"level": "INFO"},
        # In-process (eager) tasks would log every run at INFO.
        "celery.app.trace": {"level": "WARNING"},
    },
}

# --- Notifications ------------------------------------------------------------------
# Seconds before an immediate email goes out (it is skipped if read in the app meanwhile).
NOTIFICATIONS_EMAIL_DELAY_SECONDS = env_int("NOTIFICATIONS_EMAIL_DELAY_SECONDS", 120)
# Events still undispatched after this many seconds are re-enqueued by the sweep;
# it is also the lease of a worker that claimed an email (notifications.emails):
# a claim older than this is re-queued by the sweep, its worker presumed dead.
NOTIFICATIONS_SWEEP_AFTER_SECONDS = env_int("NOTIFICATIONS_SWEEP_AFTER_SECONDS", 120)
NOTIFICATIONS_DAILY_EMAIL_CAP = env_int("NOTIFICATIONS_DAILY_EMAIL_CAP", 30)
# Dispatched events and finished deliveries older than this are pruned daily
# (notifications.tasks.prune_old_events); notifications themselves stay.
NOTIFICATIONS_RETENTION_DAYS = env_int("NOTIFICATIONS_RETENTION_DAYS", 90)

# --- Ideas (the accountable ideas board, ideas/) ----------------------------------
# Community votes (representatives' and admins' left out) that make an idea due
# a response from its decision owners, and the days they have to respond.
IDEAS_RESPONSE_VOTES = env_int("IDEAS_RESPONSE_VOTES", 10)
IDEAS_RESPONSE_DAYS = env_int("IDEAS_RESPONSE_DAYS", 30)
# groups: how many @group mentions one author may make in 24 hours.
GROUP_MENTIONS_PER_DAY = env_int("GROUP_MENTIONS_PER_DAY", 5)
# conversations: people in one private conversation (its starter included),
# and how many conversations a new member (trust level 0 or 1) starts a day.
CONVERSATIONS_MAX_PARTICIPANTS = env_int("CONVERSATIONS_MAX_PARTICIPANTS", 10)
CONVERSATIONS_NEW_MEMBER_DAILY = env_int("CONVERSATIONS_NEW_MEMBER_DAILY", 3)
# The window of the board's "recent votes" (velocity) sort.
IDEAS_VELOCITY_DAYS = env_int("IDEAS_VELOCITY_DAYS", 14)

# --- Peers first (issue 17) ------------------------------------------------------------
# Hours a question waits for a community answer before the brand's
# representatives are asked (a category's peer_first_hours overrides it).
PEER_FIRST_HOURS = env_int("PEER_FIRST_HOURS", 12)

# --- Forum tunables -------------------------------------------------------------------
FORUM_AVATAR_SIZE = 256
FORUM_AVATAR_MAX_BYTES = 5 * 1024 * 1024
# Trust levels (docs/trust-levels.md): what each level requires, keyed by
# level (1 basic, 2 member, 3 regular). Level 4 (leader) is set by hand.
# "likes_received" counts distinct members; "sanction_free_days" means no
# silence or suspension started in that many days.
FORUM_TRUST_LEVELS = {
    1: {"topics_entered": 5, "posts_read": 30},
    2: {
        "days_visited": 15,
        "topics_entered": 20,
        "posts_read": 100,
        "posts": 3,
        "likes_received": 1,
        "likes_given": 1,
        "sanction_free_days": 100,
    },
    3: {
        "days_visited_in_last_100": 50,
        "posts": 10,
        "likes_received": 20,
        "accepted_answers": 1,
        "likes_received_without_accepted_answer": 30,
        "sanction_free_days": 100,
    },
}
# Mentions a post may hold, at every trust level and for every role (the
# per-level "mentions" below are lower for new and basic members).
MAX_MENTIONS_PER_POST = env_int("MAX_MENTIONS_PER_POST", 20)
# Limits for new (0) and basic (1) members; higher levels are not limited.
FORUM_NEW_MEMBER_LIMITS = {
    0: {"posts_per_hour": 3, "links": 2, "images": 1, "mentions": 2},
    1: {"posts_per_hour": 10, "links": 10, "images": 5, "mentions": 5},
}
# Flags: how much one member's flag weighs, by trust level (a brand
# representative's flag always weighs 0), and the total weight of open flags
# at which a post is hidden pending a moderator's review.
FORUM_FLAG_WEIGHTS = {0: 1, 1: 1, 2: 2, 3: 3, 4: 4}
FORUM_FLAG_HIDE_THRESHOLD = 5

# --- Content-Security-Policy (django-csp) ----------------------------------------------
# Scripts, styles, images, fonts and fetches come from this site only; no inline
# script, handler or style anywhere (htmx's indicator style is off, see
# templates/base.html; category and brand colours are classes from /colours.css).
# Images in posts are served from Hearth's own storage (images app), so img-src
# needs no third party; data: covers the icons inlined in the stylesheet.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# --- Images in posts (images app) ------------------------------------------------------
# Images from other sites are fetched once by a task and served from the
# default storage; readers' browsers never contact the other site.
# Largest image accepted, in bytes (checked while downloading).
IMAGES_MAX_BYTES = env_int("IMAGES_MAX_BYTES", 5 * 1024 * 1024)
# Largest image accepted, in pixels (width × height × frames), before decoding.
IMAGES_MAX_PIXELS = env_int("IMAGES_MAX_PIXELS", 20_000_000)
# Seconds allowed to connect, and between two reads; a fetch as a whole gets
# three times this.
IMAGES_FETCH_TIMEOUT = env_int("IMAGES_FETCH_TIMEOUT", 10)
# Fetch from loopback, private, link-local and reserved addresses too. Only
# for tests and closed networks: it lets posts make the server reach inside.
IMAGES_ALLOW_PRIVATE_ADDRESSES = env_bool("IMAGES_ALLOW_PRIVATE_ADDRESSES", False)

# The composer's @ autocomplete: lookups one member may make in a minute.
MENTION_LOOKUPS_PER_MINUTE = env_int("MENTION_LOOKUPS_PER_MINUTE", 60)

# --- Uploads in posts (uploads app, issue 22) -------------------------------------------
# Per trust level: the largest file in bytes, and how many files a member may
# upload in 24 hours. Images are re-encoded (metadata dropped) before they are
# stored; the size checked is the file as sent.
UPLOADS_LIMITS = {
    0: {"max_bytes": 1 * 1024 * 1024, "per_day": 5},
    1: {"max_bytes": 4 * 1024 * 1024, "per_day": 20},
    2: {"max_bytes": 8 * 1024 * 1024, "per_day": 50},
    3: {"max_bytes": 8 * 1024 * 1024, "per_day": 100},
    4: {"max_bytes": 8 * 1024 * 1024, "per_day": 100},
}
# Largest uploaded image in pixels (width × height × frames), checked before decoding.
UPLOADS_MAX_PIXELS = env_int("UPLOADS_MAX_PIXELS", 40_000_000)
# Images wider or taller than this are shown in posts through a smaller copy.
UPLOADS_THUMBNAIL_SIZE = env_int("UPLOADS_THUMBNAIL_SIZE", 1280)
# Uploads no post refers to are deleted after this many hours (beat task).
UPLOADS_ORPHAN_HOURS = env_int("UPLOADS_ORPHAN_HOURS", 48)

# --- Your data (privacy app, issue 24) ---------------------------------------------------
# A member may ask for an archive of their data once in this many hours.
PRIVACY_EXPORT_INTERVAL_HOURS = env_int("PRIVACY_EXPORT_INTERVAL_HOURS", 24)
# The emailed download link works this long; then the archive's file is deleted.
PRIVACY_EXPORT_LINK_HOURS = env_int("PRIVACY_EXPORT_LINK_HOURS", 168)
# The account-deletion link emailed to accounts without a password works this long.
PRIVACY_DELETE_LINK_MINUTES = env_int("PRIVACY_DELETE_LINK_MINUTES", 60)

# --- Elsewhere in the community (elsewhere app, issue 19) --------------------------------
# Feeds of opted-in communities, fetched with the images app's safe fetcher.
# Largest feed accepted, in bytes (checked while downloading).
ELSEWHERE_MAX_BYTES = env_int("ELSEWHERE_MAX_BYTES", 2 * 1024 * 1024)
# Seconds allowed to connect, and between two reads (a fetch as a whole: 3×).
ELSEWHERE_FETCH_TIMEOUT = env_int("ELSEWHERE_FETCH_TIMEOUT", 10)
# Redirects followed per fetch, each checked like the first address.
ELSEWHERE_MAX_REDIRECTS = env_int("ELSEWHERE_MAX_REDIRECTS", 3)
# Fetch from loopback, private, link-local and reserved addresses too: tests
# and closed networks only.
ELSEWHERE_ALLOW_PRIVATE_ADDRESSES = env_bool("ELSEWHERE_ALLOW_PRIVATE_ADDRESSES", False)
# Items older than this (by their date) are deleted, and never stored.
ELSEWHERE_ITEM_MAX_AGE_DAYS = env_int("ELSEWHERE_ITEM_MAX_AGE_DAYS", 90)
# Entries read from one fetch of a feed (the newest first).
ELSEWHERE_MAX_ITEMS_PER_FETCH = env_int("ELSEWHERE_MAX_ITEMS_PER_FETCH", 50)
# Longest wait between two attempts of a failing source, in hours.
ELSEWHERE_MAX_BACKOFF_HOURS = env_int("ELSEWHERE_MAX_BACKOFF_HOURS", 24)
# Days a withdrawal link stays valid; an administrator can send a new one.
ELSEWHERE_WITHDRAW_LINK_DAYS = env_int("ELSEWHERE_WITHDRAW_LINK_DAYS", 30)
# --- Escalation to support desks (support app, issue 18) ----------------------------------
# How an escalation reaches the brand's support desk: "none" (recorded in
# Hearth only), "email" (a structured message to the desk's address) or
# "webhook" (a signed JSON POST). Each brand's desk is set in the admin.
ESCALATION_BACKEND = env_str("ESCALATION_BACKEND", "none")
if ESCALATION_BACKEND not in ("none", "email", "webhook"):
    raise ImproperlyConfigured(
        f"ESCALATION_BACKEND must be none, email or webhook, not {ESCALATION_BACKEND!r}"
    )
# Seconds to connect to the desk's webhook URL, and to wait for its answer.
SUPPORT_WEBHOOK_TIMEOUT = env_int("SUPPORT_WEBHOOK_TIMEOUT", 10)
# Attempts before a delivery is marked failed (retried with backoff).
SUPPORT_DELIVERY_MAX_ATTEMPTS = env_int("SUPPORT_DELIVERY_MAX_ATTEMPTS", 8)
# A desk's status callback is refused when its signed timestamp is further
# than this many seconds from Hearth's clock (replay protection).
SUPPORT_CALLBACK_WINDOW_SECONDS = env_int("SUPPORT_CALLBACK_WINDOW_SECONDS", 300)

# --- The read API and outgoing webhooks (issue 24) -------------------------------------------
# Requests a minute per API token, and per IP address without a token.
API_REQUESTS_PER_MINUTE = env_int("API_REQUESTS_PER_MINUTE", 120)
API_ANONYMOUS_REQUESTS_PER_MINUTE = env_int("API_ANONYMOUS_REQUESTS_PER_MINUTE", 60)
# Seconds an administrator's webhook receiver has to answer, and attempts
# (retried with backoff) before a delivery is marked failed.
WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8)
