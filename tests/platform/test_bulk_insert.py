"""insert_rows (dac_portal/bulk_insert.py) stores the rows it is given, exactly as
bulk_create would, on PostgreSQL (one statement from a JSON array of rows) and on SQLite
(bulk_create itself): shared values, per-row values of every kind, defaults for the rest."""

from __future__ import annotations

import pytest
from django.utils import timezone

from consent.models import ConsentScope, Dataset, Study
from dac_portal.bulk_insert import insert_rows

pytestmark = pytest.mark.django_db

ODD_TEXT = 'quote " backslash \\ tab \t newline \n é 𝄞'


def test_rows_come_back_with_their_values_defaults_and_ids() -> None:
    study = Study.objects.first()
    before = timezone.now()

    ids = dict(
        insert_rows(
            Dataset,
            same={"study_id": study.pk, "committee_id": study.committee_id},
            each={
                "accession": ["DACD900001", "DACD900002"],
                "title": ["Plain", ODD_TEXT],
                "participant_count": [0, 12_345],
                "is_public": [True, False],
            },
            returning=("accession", "id"),
        )
    )

    stored = {d.accession: d for d in Dataset.objects.filter(pk__in=ids.values())}
    assert set(stored) == {"DACD900001", "DACD900002"}
    odd = stored["DACD900002"]
    assert (odd.title, odd.participant_count, odd.is_public) == (ODD_TEXT, 12_345, False)
    assert odd.pk == ids["DACD900002"] and odd.study_id == study.pk
    # What the caller did not give takes the model's defaults, as one object would.
    assert odd.description == "" and odd.data_types == []
    assert odd.created_at >= before


def test_json_columns_keep_lists_and_objects_as_given() -> None:
    dataset = Dataset.objects.first()
    top = dataset.consent_scopes.order_by("-version").first()
    version = (top.version if top else 0) + 1
    modifiers = [{"code": "NCU"}, {"code": "GS", "note": ODD_TEXT}]

    insert_rows(
        ConsentScope,
        same={"dataset_id": dataset.pk, "note": "bulk"},
        each={
            "version": [version],
            "permission": ["DS"],
            "diseases": [["DOID:9351"]],
            "modifiers": [modifiers],
        },
    )

    scope = ConsentScope.objects.get(dataset=dataset, version=version)
    assert (scope.diseases, scope.modifiers, scope.note) == (["DOID:9351"], modifiers, "bulk")


def test_nothing_to_insert_writes_nothing_and_uneven_columns_are_refused() -> None:
    count = Dataset.objects.count()
    assert insert_rows(Dataset, same={}, each={"accession": []}) == []
    with pytest.raises(ValueError, match="different lengths"):
        insert_rows(Dataset, same={}, each={"accession": ["DACD900003"], "title": []})
    assert Dataset.objects.count() == count
