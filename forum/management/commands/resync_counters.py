"""Recompute the denormalized counters from the rows they summarize.

Actions keep counters in step as they go; this repairs them after an import,
a manual database edit or a bug, the way Misago's synchronize_* commands do.

Every statement is set-based: one grouped pass over posts and likes, joined to
the rows it corrects, and only rows whose value differs are written. At scale 10
(2,000,000 posts) the correlated form (five subqueries per topic, then a rewrite
of every post's like count) ran for more than ten minutes; this form reads each
table once. The SQL is portable between PostgreSQL and SQLite 3.39+ (``UPDATE …
FROM``, ``IS DISTINCT FROM``), since ``make run`` imports into SQLite too.
"""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from forum.cache import bump_on_commit
from forum.models import Category, Like, Post, Tag, Topic


def _tables() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {
        "topic": quote(Topic._meta.db_table),
        "post": quote(Post._meta.db_table),
        "like": quote(Like._meta.db_table),
        "category": quote(Category._meta.db_table),
        "tag": quote(Tag._meta.db_table),
        "topic_tags": quote(Topic.tags.through._meta.db_table),
    }


TOPICS = """
UPDATE {topic} AS t SET
    last_post_number = s.last_number,
    reply_count = s.replies,
    like_count = s.likes,
    first_post_id = s.first_id,
    last_post_id = s.last_id
FROM (
    SELECT tt.id AS id,
           COALESCE(a.last_number, 0) AS last_number,
           COALESCE(a.replies, 0) AS replies,
           COALESCE(l.likes, 0) AS likes,
           f.id AS first_id,
           lp.id AS last_id
    FROM {topic} tt
    LEFT JOIN (
        SELECT topic_id,
               MAX(number) AS last_number,
               SUM(CASE WHEN number > 1 AND deleted_at IS NULL THEN 1 ELSE 0 END)
                   AS replies,
               MAX(CASE WHEN deleted_at IS NULL THEN number END) AS live_number
        FROM {post} GROUP BY topic_id
    ) a ON a.topic_id = tt.id
    LEFT JOIN (
        SELECT p.topic_id AS topic_id, COUNT(*) AS likes
        FROM {like} k JOIN {post} p ON p.id = k.post_id
        GROUP BY p.topic_id
    ) l ON l.topic_id = tt.id
    LEFT JOIN {post} f ON f.topic_id = tt.id AND f.number = 1
    LEFT JOIN {post} lp ON lp.topic_id = tt.id AND lp.number = a.live_number
) s
WHERE s.id = t.id AND (
    t.last_post_number <> s.last_number
    OR t.reply_count <> s.replies
    OR t.like_count <> s.likes
    OR t.first_post_id IS DISTINCT FROM s.first_id
    OR t.last_post_id IS DISTINCT FROM s.last_id
)
"""

# Posts someone liked whose count is wrong, then posts that claim likes nobody gave.
POST_LIKES = """
UPDATE {post} AS p SET like_count = l.n
FROM (SELECT post_id, COUNT(*) AS n FROM {like} GROUP BY post_id) l
WHERE l.post_id = p.id AND p.like_count <> l.n
"""
POST_NO_LIKES = """
UPDATE {post} SET like_count = 0
WHERE like_count <> 0
  AND NOT EXISTS (SELECT 1 FROM {like} k WHERE k.post_id = {post}.id)
"""

# Topic and post counts of live topics, and the newest public topic (live, not
# hidden: the one a category card may name), per category.
CATEGORIES = """
UPDATE {category} AS c SET
    topic_count = s.topics,
    post_count = s.posts,
    last_topic_id = s.newest_id,
    last_posted_at = s.newest_at
FROM (
    SELECT cc.id AS id,
           COALESCE(tc.topics, 0) AS topics,
           COALESCE(pc.posts, 0) AS posts,
           (SELECT n.id FROM {topic} n
             WHERE n.category_id = cc.id AND n.deleted_at IS NULL
               AND n.is_hidden = FALSE
             ORDER BY n.last_posted_at DESC, n.id DESC LIMIT 1) AS newest_id,
           (SELECT MAX(n.last_posted_at) FROM {topic} n
             WHERE n.category_id = cc.id AND n.deleted_at IS NULL
               AND n.is_hidden = FALSE) AS newest_at
    FROM {category} cc
    LEFT JOIN (
        SELECT category_id, COUNT(*) AS topics FROM {topic}
        WHERE deleted_at IS NULL GROUP BY category_id
    ) tc ON tc.category_id = cc.id
    LEFT JOIN (
        SELECT t.category_id AS category_id, COUNT(*) AS posts
        FROM {post} p JOIN {topic} t ON t.id = p.topic_id
        WHERE p.deleted_at IS NULL AND t.deleted_at IS NULL
        GROUP BY t.category_id
    ) pc ON pc.category_id = cc.id
) s
WHERE s.id = c.id AND (
    c.topic_count <> s.topics
    OR c.post_count <> s.posts
    OR c.last_topic_id IS DISTINCT FROM s.newest_id
    OR c.last_posted_at IS DISTINCT FROM s.newest_at
)
"""

TAGS = """
UPDATE {tag} AS g SET topic_count = s.n
FROM (
    SELECT gg.id AS id, COALESCE(c.n, 0) AS n
    FROM {tag} gg
    LEFT JOIN (
        SELECT tt.tag_id AS tag_id, COUNT(*) AS n
        FROM {topic_tags} tt JOIN {topic} t ON t.id = tt.topic_id
        WHERE t.deleted_at IS NULL
        GROUP BY tt.tag_id
    ) c ON c.tag_id = gg.id
) s
WHERE s.id = g.id AND g.topic_count <> s.n
"""


def resync_counters() -> dict[str, int]:
    """Repair every counter; returns how many rows each statement corrected.

    Cached pages show the counters, and the rows it fixes (like an import's,
    which ends here) were written without the actions that invalidate pages:
    the page cache's generation is bumped once the repair commits.
    """
    tables = _tables()
    corrected: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for name, sql in (
            ("topics", TOPICS),
            ("posts", POST_LIKES),
            ("posts without likes", POST_NO_LIKES),
            ("categories", CATEGORIES),
            ("tags", TAGS),
        ):
            cursor.execute(sql.format(**tables))
            corrected[name] = cursor.rowcount
        bump_on_commit()
    return corrected


class Command(BaseCommand):
    help = "Recompute topic, category and tag counters and last-post pointers."

    def handle(self, *args: Any, **options: Any) -> None:
        corrected = resync_counters()
        # Two post statements report one figure.
        corrected["posts"] += corrected.pop("posts without likes")
        summary = ", ".join(f"{n} {name}" for name, n in corrected.items())
        self.stdout.write(
            self.style.SUCCESS(f"Counters recomputed ({summary} corrected).")
        )
