from django import template

from forum.feeds import public_feed_url
from forum.models import Category, Topic

register = template.Library()


@register.simple_tag
def feed_url(obj: Category | Topic) -> str:
    """`{% feed_url topic as feed %}`: the Atom feed's address, or "" where an
    anonymous visitor may not read it (the feed would be a 404)."""
    return public_feed_url(obj)
