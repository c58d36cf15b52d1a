"""Page numbers that stay cheap however deep the reader goes.

Django's Paginator reads page *n* as ``OFFSET (n-1) * per_page`` on the
query that builds the rows: PostgreSQL fetches and throws away every full row
before the page (17,000 topic rows on a large category's last page, with
their joins). ``DeepPaginator`` pages the *keys* instead, in the same single
query: ``WHERE pk IN (SELECT pk … ORDER BY … LIMIT 20 OFFSET n)``. The inner
select walks an index that carries the ordering and the columns the
visibility rules test (``topic_category_list``, ``post_author_list``), so it
skips over index entries, not table rows, and only the page's twenty rows are
read in full. Same rows, same order, same number of queries.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


class DeepPaginator(Paginator):
    """A Paginator over a queryset that pages its primary keys (see the
    module's docstring). Anything that is not a queryset pages as usual."""

    def page(self, number: Any) -> Page[Any]:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.object_list
        if isinstance(rows, QuerySet) and bottom > 0:
            keys = rows.values("pk")[bottom:top]
            return Page(rows.filter(pk__in=keys)[: top - bottom], number, self)
        return Page(rows[bottom:top], number, self)
