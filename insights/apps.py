from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """What the brand learns by listening, and what members give and get."""

    name = "insights"
