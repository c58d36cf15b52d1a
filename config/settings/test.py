"""Settings for the test suite (pytest-django).

Uses DATABASE_URL / REDIS_URL when they are set (CI points them at real
PostgreSQL and Redis), SQLite and local memory otherwise.
"""

import os

os.environ.setdefault("EMAIL_BACKEND", "locmem")

from config.settings.base import *  # noqa: F403
from config.settings.base import BROKER_URL, CACHE_URL, CACHES

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
if CACHE_URL:
    # A database number of its own so tests never touch a developer's cache.
    CACHES["default"]["KEY_PREFIX"] = "hearth-test"
# Tasks are called directly in tests; nothing runs eagerly behind their back.
CELERY_BROKER_URL = BROKER_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = False
# allauth's rate limits are exercised by their own test with a fresh cache.
ACCOUNT_RATE_LIMITS = {}
