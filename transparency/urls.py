"""Page routes of transparency: the public register, committee policies, statistics."""

from django.urls import path

from transparency import views

app_name = "transparency"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("committees/<str:slug>/", views.committee_detail, name="committee"),
    path("stats/", views.statistics, name="statistics"),
    path("transparency/sth", views.signed_tree_head, name="sth"),
    path("transparency/key.pem", views.log_public_key, name="log-key"),
]
