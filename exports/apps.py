from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "exports"
    verbose_name = "Community export"

    def ready(self) -> None:
        # Register the task in every process (web included), so that
        # exports.actions can find it by name without importing it.
        from exports import tasks  # noqa: F401
