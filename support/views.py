"""The support desk's status callback (README, "Support desk webhooks")."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from support import actions
from support.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER


@csrf_exempt  # authenticated by the desk's HMAC signature, never by a session
@require_POST
def callback_view(request: HttpRequest, brand_slug: str) -> JsonResponse:
    """Accept a signed status update from *brand_slug*'s support desk.

    200 with {"ok": true, ...} when accepted (also when the status is the
    one already shown: "changed": false); otherwise a 4xx with
    {"ok": false, "error": <code>, "message": <text>} and nothing changed.
    """
    try:
        accepted = actions.receive_status_update(
            brand_slug,
            timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
            signature=request.headers.get(SIGNATURE_HEADER, ""),
            body=request.body,
        )
    except actions.CallbackRefused as refused:
        return JsonResponse(
            {"ok": False, "error": refused.code, "message": refused.message},
            status=refused.status,
        )
    return JsonResponse(
        {
            "ok": True,
            "reference": accepted.reference,
            "status": accepted.status,
            "changed": accepted.changed,
        }
    )
