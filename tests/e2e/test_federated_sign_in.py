"""A researcher new to the portal signs in through an OpenID Connect provider (a real
provider process, tests/oidc_provider) in Chromium: no password is ever set, the account
comes from the claims with the institution and the bona fide status, a request is
submitted, and the committee sees the status on the review page. A refused sign-in shows
one clear page. axe-core finds no serious violation on any of these pages."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import check_accessibility, click_and_wait, sign_in
from tests.support.federation import control

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


PHONE = 375


def fits_a_phone(page: Any, name: str) -> bool:
    """The page at 375 px does not scroll sideways (screenshots at both widths are kept)."""
    from tests.e2e.conftest import SCREENSHOTS

    page.set_viewport_size({"width": PHONE, "height": 800})
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{PHONE}.png"), full_page=True)
    fits = page.evaluate("document.documentElement.scrollWidth") <= PHONE
    page.set_viewport_size({"width": 1280, "height": 800})
    return bool(fits)


def new_person_at_provider(provider: Any, sub: str) -> None:
    control(
        provider,
        f"users/{sub}",
        {
            "claims": {
                "name": "Wangari Maathai",
                "given_name": "Wangari",
                "family_name": "Maathai",
                "email": f"{sub}@uonbi.ac.ke",
                "email_verified": True,
                "eduperson_scoped_affiliation": ["member@uonbi.ac.ke"],
                "orcid": "0000-0001-5109-3700",
            },
            "userinfo": {},
        },
    )
    # The person types their user name on the provider's own page.
    control(provider, "next", {"username": None, "auto_approve": False})


def sign_in_at_provider(page: Any, sub: str) -> None:
    page.goto("/accounts/login/")
    click_and_wait(page, page.get_by_role("button", name="Sign in with Test Identity Provider"))
    page.get_by_label("Username").fill(sub)
    click_and_wait(page, page.get_by_role("button", name="Continue"))


def test_a_new_researcher_signs_in_through_the_provider_and_submits_a_request(
    page: Any, federation: Any, browser: Any, live_server: Any
) -> None:
    from accounts.models import User

    new_person_at_provider(federation, "wangari")
    page.goto("/accounts/login/")
    assert check_accessibility(page, "login-with-providers") == []
    assert fits_a_phone(page, "login-with-providers")

    sign_in_at_provider(page, "wangari")

    person = User.objects.get(email="wangari@uonbi.ac.ke")
    assert not person.has_usable_password()
    page.goto("/accounts/profile/")
    main = page.locator("main").inner_text()
    assert "University of Nairobi" in main  # uonbi.ac.ke is mapped in the demo data
    assert "Bona fide researcher" in main
    assert "https://orcid.org/0000-0001-5109-3700" in main
    assert "Test Identity Provider" in main
    assert check_accessibility(page, "profile-federated") == []
    assert fits_a_phone(page, "profile-federated")

    # A request, start to finish, with no password ever set.
    page.goto("/requests/new/")
    page.get_by_label("Title of your project").fill("Air quality and asthma genetics")
    page.get_by_label("Lay summary").fill("Why some children react more to polluted air.")
    page.get_by_label("Research use statement").fill("Association study of asthma genotypes.")
    page.get_by_label(re.compile(r"^DACD000002")).check()
    page.get_by_label("Is this health, medical or biomedical research?").check()
    for checkbox in page.locator("input[name^='attest_']").all():
        checkbox.check()
    click_and_wait(page, page.get_by_role("button", name="Save draft"))
    reference = re.search(r"DAR-\d{4}-\d{6}", page.get_by_role("heading", level=1).inner_text())
    assert reference is not None
    click_and_wait(page, page.get_by_role("link", name="Check your answers and submit"))
    click_and_wait(page, page.get_by_role("button", name="Submit request"))
    assert "Request submitted." in page.locator(".messages").inner_text()

    # The committee sees the bona fide status beside the applicant once it is under review.
    from access_requests.models import AccessRequest
    from access_requests.services import access_request_endorse

    request = AccessRequest.objects.get(reference=reference.group(0))
    if request.status == "submitted":
        official = User.objects.get(username="official1")
        access_request_endorse(access_request=request, actor=official)
    chair = browser.new_context(base_url=live_server.url, locale="en-GB").new_page()
    sign_in(chair, "chair1")
    chair.goto(f"/review/{request.reference}/")
    applicant = chair.locator("dl.summary").inner_text()
    assert "Bona fide researcher (ResearcherStatus), asserted by" in applicant
    assert "https://orcid.org/0000-0001-5109-3700" in applicant
    assert check_accessibility(chair, "review-bona-fide") == []
    assert fits_a_phone(chair, "review-bona-fide")
    chair.context.close()


def test_a_refused_sign_in_shows_why_and_makes_no_account(page: Any, federation: Any) -> None:
    from accounts.models import User

    new_person_at_provider(federation, "mallory")
    control(federation, "fault", {"fault": "wrong_aud"})

    sign_in_at_provider(page, "mallory")

    assert page.get_by_role("heading", level=1).inner_text() == "Sign-in refused"
    assert "issued for another service" in page.locator("main").inner_text()
    assert not User.objects.filter(email="mallory@uonbi.ac.ke").exists()
    assert check_accessibility(page, "sign-in-refused") == []
    assert fits_a_phone(page, "sign-in-refused")


def test_the_administrator_maps_a_new_domain_to_an_institution(page: Any) -> None:
    from accounts.models import Institution

    helix = Institution.objects.get(name="Helix Analytics Ltd")
    sign_in(page, "admin")
    page.goto("/accounts/institution-domains/")
    assert "genomics-institute.example" in page.locator("main").inner_text()
    assert check_accessibility(page, "institution-domains") == []
    assert fits_a_phone(page, "institution-domains")
    page.get_by_label("Institution for genomics-institute.example").select_option(str(helix.pk))
    click_and_wait(page, page.get_by_role("button", name="Map genomics-institute.example"))
    assert "now means Helix Analytics Ltd" in page.locator(".messages").inner_text()
