"""Local development: DEBUG on, SQLite unless DATABASE_URL says otherwise,
emails printed to the console where `make run` runs."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("EMAIL_BACKEND", "console")

from config.settings.base import *  # noqa: F403
from config.settings.base import SECRET_KEY

if not SECRET_KEY:
    # Development only: prod.py refuses to start without a real SECRET_KEY.
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
