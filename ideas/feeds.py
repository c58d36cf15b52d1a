"""The Atom feed of decisions on ideas (anonymous visibility: feed readers
have no session)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from forum.markup import excerpt
from ideas import queries
from ideas.models import IdeaDecision

ANONYMOUS = AnonymousUser()


class DecisionsFeed(Feed):
    feed_type = Atom1Feed

    def title(self) -> str:
        return _("Decisions on ideas")

    def link(self) -> str:
        return reverse("ideas:board")

    def subtitle(self) -> str:
        return _("Every status change of an idea, with its public rationale.")

    def items(self) -> list[IdeaDecision]:
        return queries.recent_decisions(ANONYMOUS)

    def item_title(self, item: IdeaDecision) -> str:
        return _("%(status)s: %(title)s") % {
            "status": item.get_status_display(),
            "title": item.topic.title,
        }

    def item_description(self, item: IdeaDecision) -> str:
        return _("%(owner)s (%(label)s): %(rationale)s") % {
            "owner": item.owner_name,
            "label": item.brand_label,
            "rationale": excerpt(item.rationale_html, 600),
        }

    def item_link(self, item: IdeaDecision) -> str:
        return f"{item.topic.get_absolute_url()}#decision-{item.pk}"

    def item_pubdate(self, item: IdeaDecision) -> datetime:
        return item.created_at

    def item_author_name(self, item: IdeaDecision) -> str:
        return item.owner_name
