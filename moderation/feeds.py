"""The public moderation log as an Atom feed.

A feed reader has no session, so the feed shows what an anonymous visitor
may see, and only the moderators' public aliases, never their names.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from moderation.models import ModerationAction
from moderation.queries import appeal_of, attach_targets, visible_actions

FEED_SIZE = 50
ANONYMOUS = AnonymousUser()


class ModerationLogFeed(Feed):
    feed_type = Atom1Feed
    title = gettext_lazy("Moderation log")
    subtitle = gettext_lazy(
        "Every public moderation action: what was done, the rule cited, the reason, "
        "the moderator's alias and the appeal state."
    )

    def link(self) -> str:
        return reverse("moderation:log")

    def items(self) -> list[ModerationAction]:
        actions = list(visible_actions(ANONYMOUS)[:FEED_SIZE])
        attach_targets(ANONYMOUS, actions)
        return actions

    def item_title(self, item: ModerationAction) -> str:
        return f"{item.actor_alias}: {item.get_kind_display()}"

    def item_description(self, item: ModerationAction) -> str:
        # Atom summaries are HTML; the parts are plain text, so escape them.
        parts = []
        if item.target_topic is not None:
            if item.post is not None:
                parts.append(
                    _("Post #%(number)d in “%(title)s”.")
                    % {"number": item.post.number, "title": item.target_topic.title}
                )
            else:
                parts.append(
                    _("Topic “%(title)s”.") % {"title": item.target_topic.title}
                )
        parts.append(_("Rule: %(rule)s.") % {"rule": item.rule_text})
        parts.append(_("Reason: %(reason)s") % {"reason": item.reason})
        appeal = appeal_of(item)
        if item.reversed_at is not None:
            parts.append(_("Reversed on appeal."))
        elif appeal is not None:
            parts.append(
                _("Appeal: %(status)s.") % {"status": appeal.get_status_display()}
            )
        return escape(" ".join(parts))

    def item_link(self, item: ModerationAction) -> str:
        return f"{reverse('moderation:log')}#action-{item.pk}"

    def item_author_name(self, item: ModerationAction) -> str:
        return item.actor_alias

    def item_pubdate(self, item: ModerationAction) -> datetime:
        return item.created_at

    def item_updateddate(self, item: ModerationAction) -> datetime:
        appeal = appeal_of(item)
        if appeal is not None and appeal.decided_at is not None:
            return appeal.decided_at
        return item.created_at
