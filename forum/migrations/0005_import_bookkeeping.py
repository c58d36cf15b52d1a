"""Bookkeeping table for `manage.py import_forum` (forum.importer).

A plain table without a model: it maps (source, kind, source id) to the id of
the row the importer created, and holds the posts cursor, so an interrupted
import resumes without duplicating anything. The importer reads and writes it
with SQL in the same transaction as the rows it describes.
"""

from django.db import migrations

TABLE = "forum_import_key"


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0004_post_pending_review_post_removal_kind_and_more"),
    ]

    operations = [
        migrations.RunSQL(
            f"""
            CREATE TABLE {TABLE} (
                source varchar(100) NOT NULL,
                kind varchar(16) NOT NULL,
                source_id bigint NOT NULL,
                target_id bigint NOT NULL,
                PRIMARY KEY (source, kind, source_id)
            )
            """,
            f"DROP TABLE {TABLE}",
        ),
    ]
