"""Public pages that explain the roles: what each may do, and who holds them."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from elsewhere import queries as elsewhere_queries
from ideas import queries as ideas_queries
from permissions import explain
from recognition import rules as award_rules


@require_GET
def how_it_works_view(request: HttpRequest) -> HttpResponse:
    """ "How this community works": the role × verb table, derived from the policy."""
    matrix = explain.build_matrix()
    return render(
        request,
        "permissions/how_it_works/index.html",
        {
            "matrix": matrix,
            "column_count": len(matrix.columns) + 1,
            # Read from the cache: this page costs no queries of its own.
            "highlights_on": elsewhere_queries.highlights_enabled(),
            # Recognition (issue 17): the rules the awards are computed from.
            "award_rules": award_rules.RULES,
            "never_rewarded": award_rules.NEVER_REWARDED,
        },
    )


@require_GET
def roster_view(request: HttpRequest) -> HttpResponse:
    """The public roster of brand representatives and volunteer moderators."""
    return render(
        request,
        "permissions/roster/index.html",
        {
            "brand_groups": explain.brand_rep_roster(),
            "moderator_groups": explain.moderator_roster(request.user),
            "decision_owners": ideas_queries.owner_roster(),
            "IDEAS_RESPONSE_VOTES": settings.IDEAS_RESPONSE_VOTES,
        },
    )
