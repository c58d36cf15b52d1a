"""Settings for the test suite (pytest-django).

Uses DATABASE_URL / REDIS_URL when they are set (CI points them at real
PostgreSQL and Redis), SQLite and local memory otherwise.
"""

import os

os.environ.setdefault("EMAIL_BACKEND", "locmem")

from config.settings.base import *  # noqa: F403
from config.settings.base import BROKER_URL, CACHE_URL, CACHES, DATABASES

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

# A second alias on the test database, for the read-replica router's tests
# (tests/config/test_db_router.py): they route reads to it and count the
# queries each alias ran. Nothing routes to it unless a test says so
# (REPLICA_DATABASE_ALIASES). SQLite's in-memory test database can't be shared.
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["replica_test"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
