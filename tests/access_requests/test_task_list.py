"""The request form as a task list (access_requests/task_list.py, issue 14): each section
shows its state and is saved on its own without touching the others; "check your answers"
shows everything before Submit."""

from __future__ import annotations

import pytest

from access_requests import demo
from access_requests.models import AccessRequest
from access_requests.task_list import task_list

pytestmark = pytest.mark.django_db


def states(request: AccessRequest) -> dict[str, str]:
    return {item["section"].key: item["state"] for item in task_list(request)}


def test_a_draft_with_only_a_title_shows_each_sections_state(researcher2, make_dataset) -> None:
    from access_requests import services

    draft = services.access_request_create(
        applicant=researcher2,
        data={"title": "Only a title", "datasets": [make_dataset().accession]},
        actor=researcher2,
    )
    assert states(draft) == {
        "project": "in_progress",
        "datasets": "completed",
        "purpose": "not_started",
        "collaborators": "optional",
        "commitments": "not_started",
    }


def test_saving_one_section_leaves_the_others_as_they_were(client, researcher1) -> None:
    draft = demo.find("draft")
    before = (
        draft.lay_summary,
        list(draft.requested_datasets.values_list("dataset_id", flat=True)),
    )
    client.force_login(researcher1)
    response = client.post(
        f"/requests/{draft.reference}/tasks/project/",
        {"title": "A new title", "lay_summary": before[0], "research_use_statement": "Methods."},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/requests/{draft.reference}/tasks/"
    draft.refresh_from_db()
    assert draft.title == "A new title"
    assert list(draft.requested_datasets.values_list("dataset_id", flat=True)) == before[1]
    page = client.get(f"/requests/{draft.reference}/tasks/").content.decode()
    assert 'data-section="project" data-state="completed"' in page


def test_a_refused_section_keeps_the_entries_at_their_field(client, researcher1) -> None:
    draft = demo.find("draft")
    client.force_login(researcher1)
    response = client.post(
        f"/requests/{draft.reference}/tasks/purpose/", {"diseases": "no such illness at all"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "no such illness at all" in html and "No disease is called" in html


def test_check_your_answers_shows_everything_and_offers_submit(client, researcher1) -> None:
    draft = demo.find("draft")
    client.force_login(researcher1)
    html = client.get(f"/requests/{draft.reference}/check/").content.decode()
    assert draft.title in html
    assert f"/requests/{draft.reference}/actions/submit/" in html
    assert client.get(f"/requests/{draft.reference}/tasks/nothing/").status_code == 404
