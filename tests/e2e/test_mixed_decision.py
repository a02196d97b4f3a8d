"""Tried as new users would (issue 14): researcher1 goes from sign-in to a submitted
two-dataset request in the browser; the official endorses and two members vote (one
dataset for, one against); chair1 records the mixed decision through the confirmation
step; researcher1 then reads *Partly approved*, each dataset's outcome and the reason, with
no code on screen where a name belongs. axe-core checks each new page."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import check_accessibility, click_and_wait, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _two_open_datasets() -> list[str]:
    from accounts.models import Committee
    from consent.models import ConsentScope, Dataset, Study

    committee = Committee.objects.get(slug="genomics-dac")
    study = Study.objects.create(accession="TSTS900001", title="Walk study", committee=committee)
    accessions = []
    for n, title in ((1, "Walk exomes"), (2, "Walk genomes")):
        dataset = Dataset.objects.create(
            accession=f"TSTD90000{n}",
            study=study,
            committee=committee,
            title=title,
            participant_count=100,
        )
        ConsentScope.objects.create(dataset=dataset, version=1, permission="NRES")
        accessions.append(dataset.accession)
    return accessions


def _endorse_and_vote(reference: str, approve: str, reject: str) -> None:
    from access_requests import services
    from access_requests.models import AccessRequest
    from access_requests.review import services as review_services
    from accounts.models import User

    request = AccessRequest.objects.get(reference=reference)
    if request.status == "submitted":
        services.access_request_endorse(
            access_request=request, actor=User.objects.get(username="official1")
        )
    for member in ("member1", "member2"):
        voter = User.objects.get(username=member)
        for accession, vote in ((approve, "approve"), (reject, "reject")):
            review_services.access_request_vote(
                access_request=request,
                vote=vote,
                rationale="Walk vote.",
                dataset=accession,
                actor=voter,
            )


def test_from_sign_in_to_a_partly_approved_request(page):
    first, second = _two_open_datasets()
    sign_in(page, "researcher1")
    page.goto("/requests/new/")
    page.get_by_label("Title of your project").fill("Walk through the portal")
    page.get_by_label("Lay summary", exact=False).first.fill("We follow a request to its end.")
    page.get_by_label("Research use statement").fill("Association analysis.")
    page.get_by_label(re.compile(f"^{first}")).check()
    page.get_by_label(re.compile(f"^{second}")).check()
    page.get_by_label("Is this health, medical or biomedical research?").check()
    for box in page.locator('input[name^="attest_"]').all():
        box.check()
    click_and_wait(page, page.get_by_role("button", name="Save draft"))
    reference = re.search(r"DAR-\d{4}-\d{6}", page.url).group(0)
    click_and_wait(page, page.get_by_role("link", name="Check your answers and submit"))
    click_and_wait(page, page.get_by_role("button", name="Submit request"))
    assert page.locator("[data-status]").first.get_attribute("data-status") in {
        "submitted",
        "under_review",
    }

    _endorse_and_vote(reference, approve=first, reject=second)

    page.context.clear_cookies()
    sign_in(page, "chair1")
    page.goto(f"/review/{reference}/")
    page.locator(f"#decision-{first}-approved").check()
    page.locator(f"#decision-{second}-rejected").check()
    page.locator(f"#reason-{second}").fill("The genomes are not needed for these aims.")
    click_and_wait(page, page.get_by_role("button", name="Continue to check the decision"))
    summary = page.locator("main").inner_text()
    assert f"Approve {first}" in summary and f"Reject {second}" in summary
    assert "partly approved" in summary
    click_and_wait(page, page.get_by_role("button", name="Record this decision"))
    assert "The decision is recorded" in page.locator(".messages").inner_text()

    page.context.clear_cookies()
    sign_in(page, "researcher1")
    page.goto(f"/requests/{reference}/")
    status = page.locator("[data-status]").first
    assert status.get_attribute("data-outcome") == "partly_approved"
    assert status.inner_text() == "Partly approved"
    main = page.locator("main").inner_text()
    assert "The genomes are not needed for these aims." in main
    assert "researcher1" not in main and "chair1" not in main
    timeline = page.locator(".timeline").inner_text()
    assert "Decision recorded (Helena Lindqvist): partly approved" in timeline
    assert check_accessibility(page, "request-detail-partly-approved") == []
