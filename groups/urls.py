from django.urls import path

from groups import views

app_name = "groups"

urlpatterns = [
    path("g/", views.group_list_view, name="group_list"),
    path("g/<slug:slug>/", views.group_view, name="group"),
    path("g/<slug:slug>/join/", views.group_join_view, name="group_join"),
    path("g/<slug:slug>/apply/", views.group_apply_view, name="group_apply"),
    path("g/<slug:slug>/manage/", views.group_manage_view, name="group_manage"),
    path(
        "g/<slug:slug>/applications/<int:application_id>/decide/",
        views.group_decide_view,
        name="group_decide",
    ),
    path(
        "g/<slug:slug>/applications/<int:application_id>/recommend/",
        views.group_recommend_view,
        name="group_recommend",
    ),
    path(
        "g/<slug:slug>/members/add/",
        views.group_add_member_view,
        name="group_add_member",
    ),
    path(
        "g/<slug:slug>/members/<int:user_id>/remove/",
        views.group_remove_member_view,
        name="group_remove_member",
    ),
    path("g/<slug:slug>/end-beta/", views.group_end_beta_view, name="group_end_beta"),
]
