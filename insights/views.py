"""Thin views: ask the policy, call insights.queries, render. Read-only (GET)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from accounts.models import Brand, User
from accounts.typing import AuthedHttpRequest
from insights import queries
from permissions import policy
from permissions.policy import Perm


@login_required
@require_GET
def listening_report_view(request: AuthedHttpRequest) -> HttpResponse:
    """/brand/insights/: a representative's own brand; an admin picks one (?brand=slug)."""
    user = request.user
    slug = request.GET.get("brand", "").strip()[:80]
    brands: list[Brand] = []
    brand: Brand | None
    if policy.is_brand_rep(user) and user.brand_id is not None:
        brand = get_object_or_404(Brand, slug=slug) if slug else user.brand
    else:
        policy.require(user, Perm.VIEW_LISTENING_REPORT, None)  # 403 for others
        brands = list(Brand.objects.order_by("name"))
        brand = next((b for b in brands if b.slug == slug), None)
        if slug and brand is None:
            brand = get_object_or_404(Brand, slug=slug)
        if brand is None and brands:
            brand = brands[0]
    policy.require(user, Perm.VIEW_LISTENING_REPORT, brand)
    report = queries.listening_report(user, brand) if brand is not None else None
    return render(
        request,
        "insights/report/index.html",
        {"report": report, "brand": brand, "brands": brands},
    )


@require_GET
def give_get_view(request: HttpRequest, username: str) -> HttpResponse:
    """/u/<name>/give-get/: private to the member; everyone else gets a 404."""
    member = get_object_or_404(User, username=username, is_active=True)
    policy.require(request.user, Perm.VIEW_GIVE_GET, member)
    return render(
        request,
        "insights/give_get/member.html",
        {"member": member, "figures": queries.give_get(member)},
    )


@require_GET
def community_give_get_view(request: HttpRequest) -> HttpResponse:
    """/community/give-get/: public figures from categories anyone may read."""
    figures = queries.cached_community_give_get()
    return render(
        request,
        "insights/give_get/community.html",
        {
            "figures": figures,
            "sections": [
                {
                    "key": "brand",
                    "title": "What the brand gave",
                    "figures": figures.brand_gave,
                },
                {
                    "key": "community",
                    "title": "What the community gave",
                    "figures": figures.community_gave,
                },
            ],
        },
    )
