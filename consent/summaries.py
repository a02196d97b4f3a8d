"""Each dataset's current consent in one plain sentence, for pages of other apps (the
request form's dataset picker): two queries whatever the number of datasets."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from consent.models import ConsentScope, Dataset
from consent.ontology import term_labels
from consent.rendering import describe
from consent.selectors import current_scope_of
from consent.services import scope_data_use


def consent_in_words(datasets: Iterable[Dataset]) -> dict[str, str]:
    """accession -> "Use allowed only for research on breast cancer, non-commercial."."""
    ids = [d.pk for d in datasets]
    with_scopes = Dataset.objects.filter(pk__in=ids).prefetch_related(
        Prefetch("consent_scopes", queryset=ConsentScope.objects.order_by("-version"))
    )
    scopes = {d.accession: current_scope_of(d) for d in with_scopes}
    labels = term_labels(
        curie for scope in scopes.values() if scope for curie in scope.diseases or []
    )
    return {
        accession: describe(scope_data_use(scope), labels)
        if scope
        else _("No consent scope has been recorded yet.")
        for accession, scope in scopes.items()
    }
