"""An empty database for import tests: the test database emptied in place.

``flush`` empties every model's table; the importer's bookkeeping table has
no model, so it is emptied by hand. It all happens inside the test's
transaction, which rolls back at the end like any other test.
"""

from django.core.management import call_command
from django.db import connection

from accounts.models import User
from forum.importer import TABLE
from forum.models import Post


def empty_the_database() -> None:
    if connection.vendor == "postgresql":
        # TRUNCATE refuses to run while deferred foreign-key checks are
        # pending in the test's transaction: run them now.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608
    assert not User.objects.exists()
    assert not Post.objects.exists()
