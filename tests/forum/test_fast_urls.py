"""`{% pk_url %}` gives exactly what `{% url %}` gives."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from forum.templatetags.fast_urls import pk_url

NAMES = [
    "forum:post_like",
    "forum:post_bookmark",
    "forum:post_accept",
    "forum:post_edit",
    "forum:reply",
    "moderation:post_hide",
    "moderation:flag_post",
    "moderation:appeal",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("pk", [1, 42, 1234567])
def test_same_url_as_reverse(name, pk):
    assert pk_url(name, pk) == reverse(name, args=[pk])


def test_in_a_template():
    html = Template(
        "{% load fast_urls %}{% pk_url 'forum:post_like' post.pk %}"
    ).render(Context({"post": {"pk": 7}}))
    assert html == reverse("forum:post_like", args=[7])


def test_a_route_without_one_integer_is_refused():
    with pytest.raises(Exception):  # noqa: B017 - NoReverseMatch or ValueError
        pk_url("forum:latest", 3)
