from typing import Any

from django.apps import AppConfig
from django.core import checks


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Imported once the models are: registers the Celery tasks, so that
        # notifications.events can send dispatch_event by name (eagerly too,
        # without a broker).
        from notifications import fanout, tasks  # noqa: F401

        def check_event_registry(**kwargs: Any) -> list[checks.CheckMessage]:
            """Every EventKind has a payload type and a plan or a recorded-only reason."""
            return [
                checks.Error(
                    f"Event kind {kind.value!r} has no payload type in "
                    "notifications.events.PAYLOADS or no entry in "
                    "notifications.fanout.REGISTRY.",
                    id="notifications.E001",
                )
                for kind in fanout.unregistered_kinds()
            ]

        checks.register(check_event_registry)
