from django.apps import AppConfig


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = "Forum"

    def ready(self) -> None:
        # Models are importable only from here on, and forum.cache needs them.
        from forum import cache

        # Signals that keep the anonymous page cache fresh, in web processes,
        # workers and commands alike; and a new page-cache generation when
        # Redis answers again after an outage.
        cache.connect_signals()
