from django.urls import path

from accounts import api, membership_api

urlpatterns = [
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("ping/", api.PingApi.as_view(), name="api-ping"),
    path("me/training-records/", api.TrainingRecordsApi.as_view(), name="api-training-records"),
    path(
        "committees/<slug:slug>/members/",
        membership_api.CommitteeMembersApi.as_view(),
        name="api-committee-members",
    ),
    path(
        "committees/<slug:slug>/members/<int:membership_id>/",
        membership_api.CommitteeMemberApi.as_view(),
        name="api-committee-member",
    ),
    path(
        "committees/<slug:slug>/invitations/",
        membership_api.CommitteeInvitationsApi.as_view(),
        name="api-committee-invitations",
    ),
]
