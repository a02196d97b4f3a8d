"""Read-only admin views of consent data: every change goes through the audited services
(steward pages) or `import_ontology`, never through the admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from consent.models import (
    ConsentScope,
    ConsentWithdrawal,
    Dataset,
    OntologyRelease,
    OntologyTerm,
    Study,
)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Study)
class StudyAdmin(ReadOnlyAdmin):
    list_display = ("accession", "title", "committee", "created_at")
    search_fields = ("accession", "title")


@admin.register(Dataset)
class DatasetAdmin(ReadOnlyAdmin):
    list_display = ("accession", "title", "study", "committee", "participant_count", "is_public")
    search_fields = ("accession", "title")
    list_filter = ("committee", "is_public")


@admin.register(ConsentScope)
class ConsentScopeAdmin(ReadOnlyAdmin):
    list_display = ("dataset", "version", "permission", "created_by", "created_at")
    list_filter = ("permission",)


@admin.register(ConsentWithdrawal)
class ConsentWithdrawalAdmin(ReadOnlyAdmin):
    list_display = ("dataset", "participant_count", "effective_on", "recorded_at", "propagated_at")


@admin.register(OntologyTerm)
class OntologyTermAdmin(ReadOnlyAdmin):
    list_display = ("curie", "label", "ontology", "obsolete", "replaced_by", "source", "version")
    search_fields = ("curie", "label")
    list_filter = ("ontology", "obsolete")


@admin.register(OntologyRelease)
class OntologyReleaseAdmin(ReadOnlyAdmin):
    list_display = ("ontology", "version", "source", "terms", "obsolete_terms", "is_a_links")
