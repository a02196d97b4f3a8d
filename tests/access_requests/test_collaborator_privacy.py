"""Issue 12, item 6: naming a collaborator by username does not tell the applicant whether
that username exists (nor whose it is)."""

from __future__ import annotations

import pytest

from access_requests import services
from accounts.services import user_create

pytestmark = pytest.mark.django_db


def _create(api, accession, username):  # type: ignore[no-untyped-def]
    return api.post(
        "/api/v1/requests/",
        {"title": "T", "datasets": [accession], "collaborators": [{"username": username}]},
        format="json",
    )


def _without_ids(body):  # type: ignore[no-untyped-def]
    return body["collaborators"]


@pytest.mark.parametrize("other", ["no-such-person", "ghost-inactive", "ghost-host"])
def test_the_answer_is_the_same_for_an_existing_and_an_unusable_username(
    researcher1, api_client_for, make_dataset, other
):
    user_create(username="ghost-inactive", email="", password=None, actor=None)
    from accounts.models import User

    User.objects.filter(username="ghost-inactive").update(is_active=False)
    user_create(username="ghost-host", email="", password=None, is_service_account=True, actor=None)
    api = api_client_for(researcher1)
    known = _create(api, make_dataset().accession, "member3")
    unknown = _create(api, make_dataset().accession, other)
    assert known.status_code == unknown.status_code == 201
    assert known.json()["collaborators"] == [
        {"username": "member3", "name": "member3", "institution": "", "email": ""}
    ]
    assert unknown.json()["collaborators"] == [
        {"username": other, "name": other, "institution": "", "email": ""}
    ]
    for response in (known, unknown):
        page = api.get(f"/api/v1/requests/{response.json()['reference']}/")
        assert (
            page.json()["collaborators"][0]["name"] == page.json()["collaborators"][0]["username"]
        )


def test_only_a_usable_account_is_linked(researcher1, member3, make_dataset):
    request = services.access_request_create(
        applicant=researcher1,
        data={
            "datasets": [make_dataset().accession],
            "collaborators": [{"username": "member3"}, {"username": "no-such-person"}],
        },
        actor=researcher1,
    )
    people = list(request.collaborators.order_by("position"))
    assert [(p.username, p.user) for p in people] == [
        ("member3", member3),
        ("no-such-person", None),
    ]


def test_the_page_form_does_not_tell_either(client, researcher1, make_dataset):
    client.force_login(researcher1)
    accession = make_dataset().accession
    response = client.post(
        "/requests/new/",
        {"title": "T", "datasets": [accession], "collaborators": "no-such-person"},
    )
    assert response.status_code in {200, 302}
    assert b"No portal user" not in response.content


def test_the_committee_sees_who_a_linked_collaborator_is(
    researcher1, chair1, api_client_for, make_dataset
):
    api = api_client_for(researcher1)
    created = _create(api, make_dataset().accession, "member3").json()
    reference = created["reference"]
    from access_requests.models import AccessRequest

    access_request = AccessRequest.objects.get(reference=reference)
    from access_requests.serializers import RequestDetailSerializer

    as_chair = RequestDetailSerializer(access_request, context={"user": chair1}).data
    member = as_chair["collaborators"][0]
    assert member["username"] == "member3" and member["name"] != "member3"
