from django.urls import path
from django.views.decorators.http import require_GET

from config import converters  # noqa: F401  (registers "topic_slug")
from forum import feeds, views

app_name = "forum"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("latest/", views.latest_view, name="latest"),
    path("new/", views.new_view, name="new"),
    path("unread/", views.unread_view, name="unread"),
    path("search/", views.search_view, name="search"),
    path("preview/", views.preview_view, name="preview"),
    path("c/<slug:slug>/", views.category_view, name="category"),
    path("c/<slug:slug>/new-topic/", views.topic_start_view, name="topic_start"),
    path("tags/<slug:slug>/", views.tag_view, name="tag"),
    path("t/<int:topic_id>/", views.topic_short_view, name="topic_short"),
    path("t/<topic_slug:slug>/<int:topic_id>/", views.topic_view, name="topic"),
    path(
        "t/<topic_slug:slug>/<int:topic_id>/<int:number>",
        views.topic_post_view,
        name="topic_post",
    ),
    path("t/<int:topic_id>/reply/", views.reply_view, name="reply"),
    path(
        "t/<int:topic_id>/unread/",
        views.topic_first_unread_view,
        name="topic_first_unread",
    ),
    path("t/<int:topic_id>/ask-brand/", views.ask_brand_view, name="ask_brand"),
    path(
        "t/<int:topic_id>/route-to-brand/",
        views.route_to_brand_view,
        name="route_to_brand",
    ),
    path("t/<int:topic_id>/escalate/", views.escalate_view, name="escalate"),
    path("brand/requests/", views.brand_queue_view, name="brand_queue"),
    path("bookmarks/", views.bookmarks_view, name="bookmarks"),
    path("p/<int:post_id>/", views.post_view, name="post"),
    path("p/<int:post_id>/edit/", views.post_edit_view, name="post_edit"),
    path("p/<int:post_id>/delete/", views.post_delete_view, name="post_delete"),
    path("p/<int:post_id>/like/", views.post_like_view, name="post_like"),
    path("p/<int:post_id>/accept/", views.post_accept_view, name="post_accept"),
    path("p/<int:post_id>/quote/", views.post_quote_view, name="post_quote"),
    path("p/<int:post_id>/bookmark/", views.post_bookmark_view, name="post_bookmark"),
    path("p/<int:post_id>/history/", views.post_history_view, name="post_history"),
    path("feeds/latest/", require_GET(feeds.LatestTopicsFeed()), name="feed_latest"),
    path(
        "feeds/c/<slug:slug>/", require_GET(feeds.CategoryFeed()), name="feed_category"
    ),
    path("feeds/t/<int:topic_id>/", require_GET(feeds.TopicFeed()), name="feed_topic"),
]
