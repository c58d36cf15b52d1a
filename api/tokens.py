"""Making and recognising API token secrets. Pure functions: no database."""

from __future__ import annotations

import hashlib
import secrets

PREFIX = "hth_"
PREFIX_SHOWN = 8  # characters of the secret kept to tell tokens apart


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """What is stored: the SHA-256 of the secret. A token is 256 random bits,
    so a fast hash is enough (no password stretching needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def shown_prefix(secret: str) -> str:
    return secret[:PREFIX_SHOWN]
