"""Thin views for moderation, one module per area; each module exports
`urlpatterns`, collected by moderation/urls.py."""
