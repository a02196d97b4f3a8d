"""The webhooks API and the changes feed: clear 400s that change nothing, a steward held to
their committees, no server-side request forgery, the secret shown once, and a feed that
pages by cursor."""

from __future__ import annotations

from typing import Any

import pytest

from agreements.models import Grant
from agreements.services.oversight import grant_suspend
from data_hosts.models import EntitlementChange, WebhookSubscription

pytestmark = pytest.mark.django_db

HOOKS = "/api/v1/webhooks/"


def create(client: Any, **body: Any) -> Any:
    return client.post(HOOKS, body, format="json")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://host.example.org/x", "events": ["grant.revoked"]}, "url"),
        ({"url": "http://8.8.8.8/hook", "events": ["grant.revoked"]}, "url"),
        ({"url": "https://127.0.0.1/hook", "events": ["grant.revoked"]}, "url"),
        ({"url": "https://169.254.169.254/latest/meta-data/", "events": ["grant.revoked"]}, "url"),
        ({"url": "https://10.1.2.3/hook", "events": ["grant.revoked"]}, "url"),
        ({"url": "https://8.8.8.8/hook", "events": ["grant.exploded"]}, "events"),
        ({"url": "https://8.8.8.8/hook", "events": []}, "events"),
        ({"url": "https://8.8.8.8/hook", "events": ["grant.revoked"], "secret": "abc"}, "secret"),
        ({"url": "https://8.8.8.8/hook", "events": ["grant.revoked"], "colour": 1}, "colour"),
    ],
)
def test_bad_subscription_input_is_a_400_naming_the_field_and_saves_nothing(
    api_client_for: Any, admin: Any, body: dict[str, Any], field: str
) -> None:
    response = create(api_client_for(admin), **body)

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert not WebhookSubscription.objects.filter(owner=admin).exists()


def test_a_new_subscription_shows_its_secret_once(api_client_for: Any, steward1: Any) -> None:
    client = api_client_for(steward1)

    made = create(
        client, url="https://8.8.8.8/hook", events=["grant.revoked"], committees=["genomics-dac"]
    )

    assert made.status_code == 201
    secret = made.json()["secret"]
    assert secret.startswith("whsec_")
    again = client.get(f"{HOOKS}{made.json()['id']}/")
    assert again.status_code == 200 and "secret" not in again.json()
    assert again.json()["committees"] == ["genomics-dac"]


def test_a_steward_subscribes_only_to_the_committees_they_steward(
    api_client_for: Any, steward1: Any
) -> None:
    client = api_client_for(steward1)
    elsewhere = create(
        client, url="https://8.8.8.8/h", events=["grant.revoked"], committees=["rare-registry-dac"]
    )
    everywhere = create(client, url="https://8.8.8.8/h", events=["grant.revoked"])

    assert elsewhere.status_code == 403
    assert everywhere.status_code == 400


def test_a_subscription_is_paused_and_deleted_by_its_owner(
    api_client_for: Any, steward1: Any
) -> None:
    client = api_client_for(steward1)
    made = create(
        client, url="https://8.8.8.8/hook", events=["grant.revoked"], committees=["genomics-dac"]
    ).json()

    paused = client.patch(f"{HOOKS}{made['id']}/", {"active": False}, format="json")
    bad = client.patch(f"{HOOKS}{made['id']}/", {"events": ["nope"]}, format="json")
    gone = client.delete(f"{HOOKS}{made['id']}/")

    assert paused.status_code == 200 and paused.json()["active"] is False
    assert bad.status_code == 400
    assert gone.status_code == 204
    assert client.get(f"{HOOKS}{made['id']}/").status_code == 404


def test_the_changes_feed_pages_by_cursor(api_client_for: Any, admin: Any, chair1: Any) -> None:
    for grant in Grant.objects.filter(status="active")[:2]:
        grant_suspend(grant=grant, actor=chair1, reason="Report overdue.")
    client = api_client_for(admin)
    total = EntitlementChange.objects.count()
    assert total >= 2

    seen: list[int] = []
    cursor = 0
    while True:
        page = client.get(f"/api/v1/entitlements/changes/?after={cursor}").json()
        if not page["results"]:
            break
        seen += [row["cursor"] for row in page["results"]]
        cursor = page["next_cursor"]

    assert seen == sorted(seen) and len(seen) == total
    assert page["next_cursor"] == cursor


def test_a_cursor_that_is_not_a_number_is_a_400(api_client_for: Any, admin: Any) -> None:
    response = api_client_for(admin).get("/api/v1/entitlements/changes/?after=abc")
    assert response.status_code == 400
