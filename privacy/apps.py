from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "privacy"
    verbose_name = "Your data (download, account deletion)"

    def ready(self) -> None:
        # Registers the Celery tasks, so that privacy.actions can send
        # build_data_export by name (eagerly too, without a broker).
        from privacy import tasks  # noqa: F401
