"""Trigram similarity for grouping recurring questions (insights.queries).

CREATE EXTENSION IF NOT EXISTS pg_trgm needs a superuser or a trusted
extension (pg_trgm is trusted since PostgreSQL 13); on SQLite this does nothing.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies: list[tuple[str, str]] = []

    operations = [TrigramExtension()]
