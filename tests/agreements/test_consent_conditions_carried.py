"""The consent's own conditions reach the agreement and the grant (issue 14): the
obligations the participants' consent sets (PUB, IRB, COL…) are written in words into the
agreement text, beside the committee's conditions, and listed on the grant's page."""

from __future__ import annotations

import pytest

from agreements.models import Agreement, Grant

pytestmark = pytest.mark.django_db


def _demo_agreement_with_pub() -> Agreement:
    # DACD000002's consent requires publication (GRU, NCU, PUB); the demo approved it.
    agreement = Agreement.objects.filter(
        access_request__requested_datasets__dataset__accession="DACD000002",
        access_request__status="approved",
    ).first()
    assert agreement is not None, "the demo lost its approved request on DACD000002"
    return agreement


def test_the_agreement_states_the_consents_conditions_in_words() -> None:
    text = _demo_agreement_with_pub().text
    assert "DACD000002: results must be published (PUB, participants' consent)" in text


def test_the_grant_page_lists_the_consents_conditions(client, researcher1) -> None:
    agreement = _demo_agreement_with_pub()
    grant = Grant.objects.get(
        access_request=agreement.access_request, dataset__accession="DACD000002"
    )
    client.force_login(researcher1)
    html = client.get(f"/grants/{grant.reference}/").content.decode()
    section = html.split("Conditions of the participants")[1].split("</dd>")[0]
    assert "results must be published" in section and '<span class="duo-code">PUB</span>' in section
