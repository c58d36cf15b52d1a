from django.urls import path
from django.views.decorators.http import require_GET

from ideas import feeds, views

app_name = "ideas"

urlpatterns = [
    path("ideas/", views.board_view, name="board"),
    path("ideas/c/<slug:slug>/", views.board_view, name="category_board"),
    path("ideas/shipped/", views.shipped_view, name="shipped"),
    path("ideas/decisions.atom", require_GET(feeds.DecisionsFeed()), name="feed"),
    path("ideas/t/<int:topic_id>/vote/", views.vote_view, name="vote"),
    path("ideas/t/<int:topic_id>/unvote/", views.unvote_view, name="unvote"),
    path("ideas/t/<int:topic_id>/decide/", views.decide_view, name="decide"),
    path("ideas/t/<int:topic_id>/history/", views.history_view, name="history"),
]
