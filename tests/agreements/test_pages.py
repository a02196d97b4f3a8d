"""The grant and agreement pages."""

from __future__ import annotations

import pytest

from agreements.models import Agreement, Grant

pytestmark = pytest.mark.django_db


def test_the_grants_page_lists_the_users_grants(client, active_grant, researcher1):
    client.force_login(researcher1)
    page = client.get("/grants/")
    assert page.status_code == 200
    assert active_grant.reference in page.content.decode()


def test_signing_from_the_agreement_page(client, approved, researcher1, official1):
    agreement = Agreement.objects.get(access_request=approved)
    client.force_login(researcher1)
    url = f"/requests/{approved.reference}/agreement/"
    page = client.get(url)
    assert page.status_code == 200 and agreement.text_sha256 in page.content.decode()
    refused = client.post(url + "sign/", {"text_sha256": agreement.text_sha256})
    assert refused.status_code == 400
    stale = client.post(url + "sign/", {"text_sha256": "0" * 64, "accept": "on"})
    assert stale.status_code == 409
    done = client.post(url + "sign/", {"text_sha256": agreement.text_sha256, "accept": "on"})
    assert done.status_code == 302
    client.force_login(official1)
    done = client.post(url + "countersign/", {"text_sha256": agreement.text_sha256, "accept": "on"})
    assert done.status_code == 302
    assert Grant.objects.get(access_request=approved).status == "active"
    copy = client.get(url + "download/")
    assert copy.status_code == 200 and "attachment" in copy["Content-Disposition"]
    assert agreement.text_sha256 in copy.content.decode()


def test_the_chair_suspends_from_the_grant_page(client, active_grant, chair1):
    client.force_login(chair1)
    url = f"/grants/{active_grant.reference}/"
    assert client.get(url).status_code == 200
    assert client.post(url + "actions/suspend/", {"suspend-reason": ""}).status_code == 400
    done = client.post(url + "actions/suspend/", {"suspend-reason": "Audit."})
    assert done.status_code == 302
    active_grant.refresh_from_db()
    assert active_grant.status == "suspended"
    history = client.get(url).content.decode()
    assert "Grant suspended" in history and "Audit." in history


def test_an_unknown_action_is_not_found(client, active_grant, chair1):
    client.force_login(chair1)
    assert client.post(f"/grants/{active_grant.reference}/actions/nope/").status_code == 404


def test_the_jwks_is_public(client):
    body = client.get("/.well-known/jwks.json").json()
    assert body["keys"][0]["kty"] == "EC" and body["keys"][0]["alg"] == "ES256"


def test_an_expired_grant_shows_the_sweep_that_expired_it(client, active_grant, researcher1):
    import time_machine

    from agreements.jobs import grants_expire_sweep

    with time_machine.travel(active_grant.ends_at, tick=False):
        grants_expire_sweep(active_grant.ends_at)
    client.force_login(researcher1)
    page = client.get(f"/grants/{active_grant.reference}/").content.decode()
    assert "Grant expired" in page and "Grant activated" in page


def test_a_chair_imposes_and_lifts_a_sanction_from_the_page(client, chair1, researcher2):
    from agreements.models import Sanction

    client.force_login(chair1)
    assert client.get("/sanctions/").status_code == 200
    assert client.post("/sanctions/", {"reason": "x"}).status_code == 400  # no subject
    assert client.post("/sanctions/", {"username": "nobody", "reason": "x"}).status_code == 400
    done = client.post(
        "/sanctions/",
        {"username": "researcher2", "reason": "Shared data.", "ends_on": "2099-01-01"},
    )
    assert done.status_code == 302
    sanction = Sanction.objects.get(user=researcher2)
    lifted = client.post(
        f"/sanctions/{sanction.public_id}/lift/", {f"lift-{sanction.public_id}-reason": "Ok."}
    )
    assert lifted.status_code == 302
    sanction.refresh_from_db()
    assert sanction.lifted_at is not None


def test_researchers_may_not_open_the_sanctions_page(client, researcher1):
    client.force_login(researcher1)
    assert client.get("/sanctions/").status_code == 403


def test_the_grants_page_is_paginated_with_a_constant_number_of_queries(client, admin, researcher2):
    from datetime import UTC, datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from consent.models import Dataset
    from tests.agreements.bulk import make_active_grants

    client.force_login(admin)
    client.get("/grants/")
    with CaptureQueriesContext(connection) as few:
        client.get("/grants/")
    make_active_grants(
        120,
        applicant=researcher2,
        dataset=Dataset.objects.get(accession="DACD000001"),
        starts_at=datetime(2020, 1, 1, tzinfo=UTC),
    )
    with CaptureQueriesContext(connection) as many:
        page = client.get("/grants/?page=2")
    assert page.status_code == 200 and "Page 2 of" in page.content.decode()
    assert len(many) == len(few)


def test_the_grants_page_lists_agreements_to_sign_and_to_countersign(
    client, approved, researcher1, official1
):
    from agreements import services

    client.force_login(researcher1)
    assert f"Sign the agreement for {approved.reference}" in client.get("/grants/").content.decode()
    agreement = Agreement.objects.get(access_request=approved)
    services.agreement_sign(
        agreement=agreement, actor=researcher1, text_sha256=agreement.text_sha256, accept=True
    )
    assert (
        f"Sign the agreement for {approved.reference}"
        not in client.get("/grants/").content.decode()
    )
    client.force_login(official1)
    page = client.get("/grants/").content.decode()
    assert f"Countersign the agreement for {approved.reference}" in page


def test_revoking_long_after_sign_in_asks_for_the_password_first(client, active_grant, chair1):
    """Issue 12, item 6: a revocation needs a recent password check."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    client.force_login(chair1)
    url = f"/grants/{active_grant.reference}/"
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = client.post(url + "actions/revoke/", {"revoke-reason": "Breach."})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/reauth/?next={url}"
    active_grant.refresh_from_db()
    assert active_grant.status == "active"
