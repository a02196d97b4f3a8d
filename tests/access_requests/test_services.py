"""The services, one per transition: each writes its audit event in the same transaction,
refuses what the workflow does not allow (409 with the allowed actions, 403 for the wrong
person) and leaves nothing changed when it refuses."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from access_requests import services
from access_requests.models import AccessRequest, RequestedDataset, RequestRevision
from audit.models import AuditEvent
from dac_portal.errors import Conflict, InvalidTransition, PermissionDenied, ValidationError
from notifications.models import Notification
from tests.access_requests.conftest import ALL_ATTESTATIONS, last_event

pytestmark = pytest.mark.django_db


def _draft(user, data):
    return services.access_request_create(applicant=user, data=data, actor=user)


def _without(data, *keys):
    return {k: v for k, v in data.items() if k not in keys}


# -- create ---------------------------------------------------------------------------------


def test_create_makes_a_draft_with_a_dar_reference_and_records_it(researcher1, complete_data):
    data = complete_data()
    request = _draft(researcher1, data)
    assert request.status == "draft"
    assert request.reference.startswith("DAR-") and len(request.reference) == 15
    assert request.institution == researcher1.institution
    assert request.committee.slug == "genomics-dac"
    assert request.attestations() == dict.fromkeys(ALL_ATTESTATIONS, True)
    event = last_event("access_request.created", request.reference)
    assert event.actor == researcher1
    assert event.data["datasets"] == data["datasets"]


def test_references_are_consecutive_and_unique(researcher1, make_dataset):
    first = _draft(researcher1, {"datasets": [make_dataset().accession]})
    second = _draft(researcher1, {"datasets": [make_dataset().accession]})
    assert int(second.reference[-6:]) == int(first.reference[-6:]) + 1


def test_only_researchers_create_requests(chair1, make_dataset):
    with pytest.raises(PermissionDenied):
        _draft(chair1, {"datasets": [make_dataset().accession]})
    assert not AccessRequest.objects.filter(applicant=chair1).exists()


def test_a_second_open_request_for_the_same_dataset_is_refused(researcher1, make_dataset):
    dataset = make_dataset()
    first = _draft(researcher1, {"datasets": [dataset.accession]})
    count = AuditEvent.objects.count()
    with pytest.raises(Conflict) as refused:
        _draft(researcher1, {"datasets": [dataset.accession]})
    assert refused.value.details["reference"] == first.reference
    assert (
        AccessRequest.objects.filter(
            applicant=researcher1, requested_datasets__dataset=dataset
        ).count()
        == 1
    )
    assert AuditEvent.objects.count() == count


def test_another_applicant_may_ask_for_the_same_dataset(researcher1, researcher2, make_dataset):
    dataset = make_dataset()
    _draft(researcher1, {"datasets": [dataset.accession]})
    assert _draft(researcher2, {"datasets": [dataset.accession]}).status == "draft"


def test_the_database_refuses_two_open_rows_for_one_applicant_and_dataset(
    researcher1, make_dataset
):
    dataset = make_dataset()
    first = _draft(researcher1, {"datasets": [dataset.accession]})
    other = _draft(researcher1, {"datasets": [make_dataset().accession]})
    with pytest.raises(IntegrityError), transaction.atomic():
        RequestedDataset.objects.create(
            access_request=other, dataset=dataset, applicant=researcher1, is_open=True
        )
    assert first.requested_datasets.count() == 1


def test_unknown_datasets_are_named_in_the_refusal(researcher1):
    count = AccessRequest.objects.count()
    with pytest.raises(ValidationError) as refused:
        _draft(researcher1, {"datasets": ["NOPE000001"]})
    assert "NOPE000001" in refused.value.message
    assert AccessRequest.objects.count() == count


def test_datasets_of_two_committees_share_one_request_routed_to_both(researcher1, make_dataset):
    """Issue 8: a request spanning committees is accepted (no longer a 400); each dataset
    names the committee that decides it, and the request has one route per committee,
    the lead committee (its first dataset's) first."""
    from access_requests.models import CommitteeRoute
    from accounts.services import committee_create

    other = committee_create(actor=None, slug="other-dac", name="Other DAC")
    ours, theirs = make_dataset(), make_dataset(committee=other)
    request = _draft(researcher1, {"datasets": [ours.accession, theirs.accession]})
    rows = list(request.requested_datasets.order_by("position"))
    assert [r.committee_id for r in rows] == [ours.committee_id, other.pk]
    assert request.committee_id == ours.committee_id
    routes = CommitteeRoute.objects.filter(access_request=request).order_by("position")
    assert [(r.committee_id, r.status) for r in routes] == [
        (ours.committee_id, "draft"),
        (other.pk, "draft"),
    ]
    # Editing the datasets moves the routes with them.
    services.access_request_update(
        access_request=request, data={"datasets": [theirs.accession]}, actor=researcher1
    )
    request.refresh_from_db()
    assert request.committee_id == other.pk
    assert list(
        CommitteeRoute.objects.filter(access_request=request).values_list("committee_id", flat=True)
    ) == [other.pk]


def test_collaborators_are_portal_users_or_named_people(researcher1, researcher2, make_dataset):
    request = _draft(
        researcher1,
        {
            "datasets": [make_dataset().accession],
            "collaborators": [
                {"username": "researcher2"},
                {"name": "Ana Lima", "institution": "Fiocruz", "email": "ana@example.org"},
            ],
        },
    )
    people = list(request.collaborators.order_by("position"))
    assert people[0].user == researcher2
    assert (people[1].name, people[1].institution_name) == ("Ana Lima", "Fiocruz")


def test_an_unknown_collaborator_username_is_kept_unlinked_not_refused(researcher1, make_dataset):
    # Refusing it would tell the applicant which usernames exist (issue 12, item 6).
    request = _draft(
        researcher1,
        {"datasets": [make_dataset().accession], "collaborators": [{"username": "ghost"}]},
    )
    (ghost,) = request.collaborators.all()
    assert (ghost.username, ghost.user) == ("ghost", None)


# -- update ---------------------------------------------------------------------------------


def test_update_changes_a_draft_and_records_the_changed_fields(researcher1, make_dataset):
    request = _draft(researcher1, {"datasets": [make_dataset().accession]})
    services.access_request_update(
        access_request=request,
        data={"title": "New title", "attestations": {"no_reidentification": True}},
        actor=researcher1,
    )
    request.refresh_from_db()
    assert request.title == "New title"
    assert request.attested_no_reidentification_at is not None
    event = last_event("access_request.updated", request.reference)
    assert event.data["changed"] == ["title", "attestations"]


def test_replacing_the_datasets_releases_the_old_one(researcher1, make_dataset):
    old, new = make_dataset(), make_dataset()
    request = _draft(researcher1, {"datasets": [old.accession]})
    services.access_request_update(
        access_request=request, data={"datasets": [new.accession]}, actor=researcher1
    )
    assert list(request.requested_datasets.values_list("dataset__accession", flat=True)) == [
        new.accession
    ]
    assert _draft(researcher1, {"datasets": [old.accession]}).status == "draft"


def test_only_the_applicant_updates(researcher1, researcher2, official1, make_dataset):
    request = _draft(researcher1, {"datasets": [make_dataset().accession]})
    for other in (researcher2, official1):
        with pytest.raises(PermissionDenied):
            services.access_request_update(
                access_request=request, data={"title": "Mine"}, actor=other
            )
    request.refresh_from_db()
    assert request.title == ""


# -- withdraw -------------------------------------------------------------------------------


def test_withdraw_ends_a_draft_frees_its_datasets_and_tells_the_applicant(
    researcher1, make_dataset
):
    dataset = make_dataset()
    request = _draft(researcher1, {"datasets": [dataset.accession]})
    services.access_request_withdraw(access_request=request, actor=researcher1, reason="Done")
    request.refresh_from_db()
    assert request.status == "withdrawn" and request.withdrawn_at is not None
    assert not request.requested_datasets.filter(is_open=True).exists()
    event = last_event("access_request.withdrawn", request.reference)
    assert event.data == {"old_status": "draft", "new_status": "withdrawn", "reason": "Done"}
    note = Notification.objects.get(
        kind="access_request_withdrawn",
        recipient=researcher1,
        dedupe_key__contains=request.reference,
    )
    assert request.reference in note.subject
    assert _draft(researcher1, {"datasets": [dataset.accession]}).status == "draft"


def test_a_withdrawn_request_cannot_be_withdrawn_again(researcher1, make_dataset):
    request = _draft(researcher1, {"datasets": [make_dataset().accession]})
    services.access_request_withdraw(access_request=request, actor=researcher1)
    count = AuditEvent.objects.count()
    with pytest.raises(InvalidTransition) as refused:
        services.access_request_withdraw(access_request=request, actor=researcher1)
    assert refused.value.details["status"] == "withdrawn"
    assert refused.value.details["allowed_actions"] == []
    assert AuditEvent.objects.count() == count


def test_an_update_after_withdrawal_is_a_conflict_naming_the_status(researcher1, make_dataset):
    request = _draft(researcher1, {"datasets": [make_dataset().accession]})
    services.access_request_withdraw(access_request=request, actor=researcher1)
    with pytest.raises(InvalidTransition) as refused:
        services.access_request_update(
            access_request=request, data={"title": "Late"}, actor=researcher1
        )
    assert refused.value.status_code == 409
    assert refused.value.details["status"] == "withdrawn"


# -- submit, endorse, resubmit (consent evaluation) ----------------------------------------


def test_submit_checks_completeness_and_names_what_is_missing(researcher1, make_dataset):
    request = _draft(researcher1, {"datasets": [make_dataset().accession]})
    with pytest.raises(ValidationError) as refused:
        services.access_request_submit(access_request=request, actor=researcher1)
    assert set(refused.value.details) >= {
        "title",
        "lay_summary",
        "research_use_statement",
        "purpose",
        "attestations",
    }
    request.refresh_from_db()
    assert request.status == "draft"
    assert last_event("access_request.submitted", request.reference) is None


def test_submit_waits_for_endorsement_when_the_committee_asks(
    researcher1, official1, complete_data
):
    request = _draft(researcher1, complete_data())
    services.access_request_submit(access_request=request, actor=researcher1)
    request.refresh_from_db()
    assert request.status == "submitted" and request.routed_at is None
    row = request.requested_datasets.get()
    assert row.consent_result == "compatible" and row.scope_version == 1
    assert row.consent_evaluation["result"] == "compatible"
    event = last_event("access_request.submitted", request.reference)
    assert event.data["new_status"] == "submitted"
    assert event.data["endorsement_required"] is True
    assert RequestRevision.objects.get(access_request=request).number == 1
    kinds = set(
        Notification.objects.filter(dedupe_key__contains=request.reference).values_list(
            "kind", "recipient__username"
        )
    )
    assert kinds == {
        ("access_request_submitted", "researcher1"),
        ("access_request_endorsement_needed", "official1"),
    }


def test_submit_goes_straight_to_review_without_endorsement(
    researcher1, complete_data, no_endorsement
):
    request = _draft(researcher1, complete_data())
    services.access_request_submit(access_request=request, actor=researcher1)
    request.refresh_from_db()
    assert request.status == "under_review"
    assert request.routed_at is not None and request.review_due_at is not None
    assert last_event("access_request.submitted", request.reference).data["new_status"] == (
        "under_review"
    )


def test_an_incompatible_dataset_blocks_submission_with_its_reasons(
    researcher1, make_dataset, complete_data
):
    poa = make_dataset(permission="POA")
    request = _draft(researcher1, complete_data(datasets=[poa.accession]))
    with pytest.raises(services.ConsentIncompatible) as refused:
        services.access_request_submit(access_request=request, actor=researcher1)
    reasons = refused.value.details["datasets"][poa.accession]["reasons"]
    assert reasons and all(r["message"] for r in reasons)
    request.refresh_from_db()
    assert request.status == "draft"
    assert request.requested_datasets.get().consent_result == ""
    assert last_event("access_request.submitted", request.reference) is None


def test_needs_review_results_are_kept_for_the_reviewers(researcher1, make_dataset, complete_data):
    unscoped = make_dataset(scope=False)
    request = _draft(researcher1, complete_data(datasets=[unscoped.accession]))
    services.access_request_submit(access_request=request, actor=researcher1)
    row = request.requested_datasets.get()
    assert row.consent_result == "needs_review"
    assert row.consent_evaluation["reasons"]


def test_endorse_routes_to_review_and_records_the_official(researcher1, official1, complete_data):
    request = _draft(researcher1, complete_data())
    services.access_request_submit(access_request=request, actor=researcher1)
    services.access_request_endorse(access_request=request, actor=official1)
    request.refresh_from_db()
    assert request.status == "under_review"
    assert request.endorsed_by == official1 and request.routed_at is not None
    event = last_event("access_request.endorsed", request.reference)
    assert event.actor == official1
    assert event.data["old_status"] == "submitted"


def test_only_an_official_of_the_applicants_institution_endorses(
    researcher1, researcher2, chair1, complete_data
):
    request = _draft(researcher1, complete_data())
    services.access_request_submit(access_request=request, actor=researcher1)
    for other in (researcher1, researcher2, chair1):
        with pytest.raises(PermissionDenied):
            services.access_request_endorse(access_request=request, actor=other)
    request.refresh_from_db()
    assert request.status == "submitted"


def test_a_draft_cannot_be_endorsed(researcher1, official1, complete_data):
    request = _draft(researcher1, complete_data())
    # The official cannot see a draft at all; asked directly, the service refuses too.
    with pytest.raises((InvalidTransition, PermissionDenied)):
        services.access_request_endorse(access_request=request, actor=official1)


def _changes_requested(request):
    """Stand-in for the committee's request_changes service (issue 8): the status set as
    that service will set it."""
    AccessRequest.objects.filter(pk=request.pk).update(status="changes_requested")
    RequestedDataset.objects.filter(access_request=request).update(is_open=True)
    request.refresh_from_db()
    return request


def test_resubmit_bumps_the_revision_and_keeps_a_field_by_field_diff(
    researcher1, complete_data, no_endorsement
):
    request = _draft(researcher1, complete_data())
    services.access_request_submit(access_request=request, actor=researcher1)
    request = _changes_requested(request)
    services.access_request_update(
        access_request=request, data={"title": "Sharper title"}, actor=researcher1
    )
    services.access_request_resubmit(access_request=request, actor=researcher1)
    request.refresh_from_db()
    assert request.status == "under_review" and request.revision == 2
    revision = request.revisions.get(number=2)
    assert revision.diff == {"title": {"old": "Variants in hypertension", "new": "Sharper title"}}
    event = last_event("access_request.resubmitted", request.reference)
    assert event.data["revision"] == 2 and event.data["changed"] == ["title"]


def test_resubmit_is_refused_unless_changes_were_requested(researcher1, complete_data):
    request = _draft(researcher1, complete_data())
    with pytest.raises(InvalidTransition) as refused:
        services.access_request_resubmit(access_request=request, actor=researcher1)
    assert refused.value.details["allowed_actions"] == [
        "add_document",
        "file_ethics_approval",
        "submit",
        "update",
        "withdraw",
    ]


def test_a_submitted_request_can_no_longer_be_edited(researcher1, complete_data):
    request = _draft(researcher1, complete_data())
    services.access_request_submit(access_request=request, actor=researcher1)
    with pytest.raises(InvalidTransition) as refused:
        services.access_request_update(
            access_request=request, data={"title": "Changed"}, actor=researcher1
        )
    assert refused.value.details["allowed_actions"] == ["file_ethics_approval", "withdraw"]


def test_withdrawing_a_request_under_review_tells_the_chair(
    researcher1, chair1, complete_data, no_endorsement
):
    request = _draft(researcher1, complete_data())
    services.access_request_submit(access_request=request, actor=researcher1)
    services.access_request_withdraw(access_request=request, actor=researcher1)
    assert Notification.objects.filter(
        kind="access_request_withdrawn", recipient=chair1, dedupe_key__contains=request.reference
    ).exists()


def test_a_failure_after_the_audit_write_leaves_neither_change_nor_event(
    researcher1, complete_data, monkeypatch
):
    request = _draft(researcher1, complete_data())
    count = AuditEvent.objects.count()

    def broken(*args, **kwargs):
        raise RuntimeError("mail queue down")

    monkeypatch.setattr(services, "notify", broken)
    with pytest.raises(RuntimeError):
        services.access_request_submit(access_request=request, actor=researcher1)
    request.refresh_from_db()
    assert request.status == "draft"
    assert AuditEvent.objects.count() == count
    assert not request.revisions.exists()
