"""Reading studies, datasets and consent scopes, with visibility applied.

Listed (public) datasets are visible to everyone, signed in or not; unlisted ones only to
their committee's people and administrators (`dataset.view_private`). Anything the caller
may not see is NotFound, never PermissionDenied."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import Committee
from accounts.permissions import can
from consent.models import ConsentScope, ConsentWithdrawal, Dataset, OntologyAncestor, Study
from consent.ontology import ontology_for
from dac_portal.errors import NotFound

ACCESSION = re.compile(r"^[A-Z][A-Z0-9]{1,9}[0-9]{3,12}$")


def _clean(text: str, limit: int) -> str:
    # NUL characters cannot reach PostgreSQL (it refuses them with an error, not a miss).
    return text.replace("\x00", "").strip()[:limit]


@dataclass(frozen=True)
class CatalogueFilters:
    q: str = ""
    permission: str = ""
    disease: str = ""
    committee: str = ""

    @classmethod
    def from_params(cls, params: Any) -> CatalogueFilters:
        return cls(
            q=_clean(params.get("q") or "", 200),
            permission=_clean(params.get("permission") or "", 10),
            disease=_clean(params.get("disease") or "", 40),
            committee=_clean(params.get("committee") or "", 60),
        )


def _visible(user: Any) -> QuerySet[Dataset]:
    datasets = Dataset.objects.select_related("study", "committee").prefetch_related(
        Prefetch("consent_scopes", queryset=ConsentScope.objects.order_by("-version"))
    )
    if user is None or not getattr(user, "is_authenticated", False):
        return datasets.filter(is_public=True)
    private_ok = [c.pk for c in Committee.objects.all() if can(user, "dataset.view_private", c)]
    return datasets.filter(Q(is_public=True) | Q(committee_id__in=private_ok))


def current_scope_of(dataset: Dataset) -> ConsentScope | None:
    """The newest scope from the prefetched versions (no query when prefetched)."""
    scopes = list(dataset.consent_scopes.all())
    return max(scopes, key=lambda s: s.version) if scopes else None


def dataset_list(*, user: Any, filters: CatalogueFilters | None = None) -> list[Dataset]:
    """Visible datasets matching the filters. `disease` keeps DS datasets whose consented
    diseases cover it (the disease itself or an ancestor of it)."""
    filters = filters or CatalogueFilters()
    datasets = _visible(user)
    if filters.q:
        datasets = datasets.filter(
            Q(title__icontains=filters.q)
            | Q(description__icontains=filters.q)
            | Q(accession__icontains=filters.q)
            | Q(study__title__icontains=filters.q)
        )
    if filters.committee:
        datasets = datasets.filter(committee__slug=filters.committee)
    result = list(datasets.order_by("accession"))
    if filters.permission:
        wanted = filters.permission.upper()
        result = [d for d in result if (s := current_scope_of(d)) and s.permission == wanted]
    if filters.disease:
        # An alternative or obsolete id filters as its current term.
        disease = ontology_for([filters.disease]).resolve(filters.disease)[0] or filters.disease
        covering = {disease} | set(
            OntologyAncestor.objects.filter(term=disease).values_list("ancestor", flat=True)
        )
        result = [
            d
            for d in result
            if (s := current_scope_of(d)) and s.permission == "DS" and covering & set(s.diseases)
        ]
    return result


def dataset_get(*, user: Any, accession: str) -> Dataset:
    if not ACCESSION.match(accession):
        raise NotFound("No such dataset.", details={"accession": accession[:40]})
    dataset = _visible(user).filter(accession=accession).first()
    if dataset is None:
        raise NotFound(f"No dataset {accession}.", details={"accession": accession})
    return dataset


def dataset_get_for_steward(*, user: Any, accession: str) -> Dataset:
    """A dataset the user may manage; 404 otherwise (no existence leak)."""
    if not ACCESSION.match(accession):
        raise NotFound("No such dataset.", details={"accession": accession[:40]})
    dataset = (
        Dataset.objects.select_related("study", "committee").filter(accession=accession).first()
    )
    if dataset is None or not can(user, "dataset.manage", dataset):
        raise NotFound(f"No dataset {accession}.", details={"accession": accession})
    return dataset


def study_get_for_steward(*, user: Any, accession: str) -> Study:
    if not ACCESSION.match(accession):
        raise NotFound("No such study.", details={"accession": accession[:40]})
    study = Study.objects.select_related("committee").filter(accession=accession).first()
    if study is None or not can(user, "dataset.manage", study):
        raise NotFound(f"No study {accession}.", details={"accession": accession})
    return study


def stewarded_committees(user: Any) -> list[Committee]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return [c for c in Committee.objects.order_by("name") if can(user, "dataset.manage", c)]


def steward_studies(user: Any) -> QuerySet[Study]:
    committees = stewarded_committees(user)
    return (
        Study.objects.filter(committee__in=committees)
        .select_related("committee")
        .prefetch_related(
            Prefetch(
                "datasets",
                queryset=Dataset.objects.prefetch_related(
                    Prefetch("consent_scopes", queryset=ConsentScope.objects.order_by("-version"))
                ),
            )
        )
        .order_by("accession")
    )


def scope_versions(dataset: Dataset) -> list[ConsentScope]:
    return list(
        ConsentScope.objects.filter(dataset=dataset)
        .select_related("created_by")
        .order_by("-version")
    )


def withdrawals_of(dataset: Dataset) -> list[ConsentWithdrawal]:
    return list(ConsentWithdrawal.objects.filter(dataset=dataset).order_by("-recorded_at"))


def scope_as_dict(scope: ConsentScope | None) -> dict[str, Any] | None:
    if scope is None:
        return None
    return {
        "permission": scope.permission,
        "diseases": list(scope.diseases or []),
        "modifiers": list(scope.modifiers or []),
        "version": scope.version,
    }


def dataset_as_dict(dataset: Dataset) -> dict[str, Any]:
    return {
        "accession": dataset.accession,
        "title": dataset.title,
        "description": dataset.description,
        "study": {"accession": dataset.study.accession, "title": dataset.study.title},
        "committee": dataset.committee.slug,
        "participant_count": dataset.participant_count,
        "data_types": list(dataset.data_types or []),
        "consent": scope_as_dict(current_scope_of(dataset)),
    }
