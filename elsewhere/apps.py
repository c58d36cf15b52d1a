from django.apps import AppConfig


class ElsewhereConfig(AppConfig):
    name = "elsewhere"
    verbose_name = "Elsewhere in the community"
