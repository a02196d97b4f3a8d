"""Page routes of consent."""

from django.urls import path

from consent import import_views, reconsent_views, views

app_name = "consent"
urlpatterns = [
    path("diseases/", views.disease_search, name="disease-search"),
    path("datasets/", views.catalogue, name="catalogue"),
    # Before datasets/<accession>/, which would otherwise take "export" as an accession.
    path("datasets/export/", views.catalogue_export, name="catalogue-export"),
    path("datasets/<str:accession>/", views.dataset_detail, name="dataset"),
    path("steward/", views.steward_home, name="steward"),
    path("steward/import/", import_views.catalogue_import, name="catalogue-import"),
    path(
        "steward/import/<int:upload_id>/",
        import_views.catalogue_import_report,
        name="catalogue-import-report",
    ),
    path("steward/studies/new/", views.study_create, name="study-create"),
    path("steward/studies/<str:accession>/edit/", views.study_edit, name="study-edit"),
    path("steward/datasets/new/", views.dataset_create, name="dataset-create"),
    path("steward/datasets/<str:accession>/edit/", views.dataset_edit, name="dataset-edit"),
    path("steward/datasets/<str:accession>/consent/", views.scope_create, name="scope-create"),
    path("steward/datasets/<str:accession>/withdrawals/", views.withdrawals, name="withdrawals"),
    path(
        "steward/datasets/<str:accession>/reconsent/",
        reconsent_views.reconsent_flags,
        name="reconsent",
    ),
    path(
        "steward/datasets/<str:accession>/reconsent/<int:flag_id>/clear/",
        reconsent_views.reconsent_clear,
        name="reconsent-clear",
    ),
]
