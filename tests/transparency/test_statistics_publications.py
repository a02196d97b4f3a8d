"""Publications per dataset on /stats/ (issue 21; WHO 3.3 and 3.7): distinct DOIs of the
findings a committee published, per dataset, all time; unpublished findings do not count."""

from __future__ import annotations

import pytest

from agreements import services
from agreements.models import Findings
from tests.agreements.conftest import active_grant, approved  # noqa: F401  (fixtures)
from transparency.publications import publications_per_dataset

pytestmark = pytest.mark.django_db


def by_accession() -> dict[str, tuple[int, int, int]]:
    return {
        row.accession: (row.publications, row.findings, row.results_returned)
        for row in publications_per_dataset()
    }


def test_the_demo_dataset_has_its_one_published_doi_and_results_returned():
    assert list(by_accession().values()) == [(1, 1, 1)]


def test_distinct_dois_of_published_findings_count_and_unpublished_ones_do_not(
    active_grant,  # noqa: F811  (the fixture imported above)
    researcher1,
    chair1,
):
    accession = active_grant.dataset.accession
    before = by_accession().get(accession, (0, 0, 0))
    services.progress_report_submit(
        grant=active_grant,
        actor=researcher1,
        summary="Year one.",
        findings={
            "summary": "Year one.",
            # One paper written two ways counts once.
            "publications": ["doi:10.4321/ONE", "10.4321/two", "https://doi.org/10.4321/one"],
        },
    )
    assert by_accession().get(accession, (0, 0, 0)) == before  # none published yet
    for findings in Findings.objects.filter(grant=active_grant):
        services.findings_publish(findings=findings, actor=chair1)
    assert by_accession()[accession] == (before[0] + 2, before[1] + 1, before[2])


def test_the_statistics_page_shows_the_publications_table(client):
    page = client.get("/stats/").content.decode()
    assert 'data-testid="stats-publications"' in page
    assert "What the data gave back" in page
