"""Benchmark settings: production settings, served over plain HTTP on
127.0.0.1. The static ceiling is a separate plain Django project
(bench/ceiling), not a route of Hearth's.
"""

import os

os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")

from config.settings.prod import *  # noqa: F403

# wrk talks plain HTTP to 127.0.0.1; the cookies are sent by hand anyway.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
