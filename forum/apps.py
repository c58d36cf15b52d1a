from django.apps import AppConfig

from forum import cache


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = "Forum"

    def ready(self) -> None:
        # Signals that keep the anonymous page cache fresh, in web processes,
        # workers and commands alike.
        cache._connect_signals()
