from django.urls import path

from elsewhere import feeds, views

app_name = "elsewhere"

urlpatterns = [
    path("elsewhere/", views.elsewhere_view, name="index"),
    path("elsewhere/sources/", views.sources_view, name="sources"),
    path("elsewhere/withdraw/<str:token>/", views.withdraw_view, name="withdraw"),
    path("highlights.atom", feeds.HighlightsFeed(), name="highlights_atom"),
    path("highlights.json", views.highlights_json_view, name="highlights_json"),
]
