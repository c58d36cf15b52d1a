from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from accounts.models import User
from moderation.models import AuditEntry


def record(
    actor: User,
    verb: str,
    target: Model,
    *,
    category_id: int | None = None,
    reason: str = "",
    **details: Any,
) -> AuditEntry:
    """Write one audit row; call it inside the action's transaction so the row
    exists exactly when the change does."""
    return AuditEntry.objects.create(
        actor=actor,
        actor_name=actor.username,
        verb=verb,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        category_id=category_id,
        reason=reason,
        details=details,
    )
