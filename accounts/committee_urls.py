"""Committee membership pages, mounted at the site root beside the public committee page
(/committees/<slug>/, transparency) that they manage the people of."""

from django.urls import path

from accounts import committee_views as views

app_name = "committees"
urlpatterns = [
    path("committees/<slug:slug>/members/", views.members, name="members"),
    path(
        "committees/<slug:slug>/members/lay-voting/",
        views.setting_save,
        {"setting": "lay-voting"},
        name="lay-voting",
    ),
    path(
        "committees/<slug:slug>/members/training/",
        views.setting_save,
        {"setting": "training"},
        name="training-policy",
    ),
    path(
        "committees/<slug:slug>/members/decision-policy/",
        views.setting_save,
        {"setting": "decision-policy"},
        name="decision-policy",
    ),
    path(
        "committees/<slug:slug>/members/<int:membership_id>/",
        views.member_change,
        name="member-change",
    ),
    path(
        "committees/<slug:slug>/members/<int:membership_id>/end/",
        views.member_end,
        name="member-end",
    ),
    path(
        "committees/<slug:slug>/invitations/<str:public_id>/cancel/",
        views.invitation_cancel,
        name="invitation-cancel",
    ),
    path("committee-invitations/<str:token>/", views.invitation_accept, name="invitation"),
]
