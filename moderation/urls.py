from moderation.views import appeals, flags, posts, public, sanctions, topics

app_name = "moderation"

urlpatterns = [
    *flags.urlpatterns,
    *posts.urlpatterns,
    *topics.urlpatterns,
    *sanctions.urlpatterns,
    *appeals.urlpatterns,
    *public.urlpatterns,
]
