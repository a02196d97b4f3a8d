"""What data_hosts hears from the apps below it (dac_portal/events.py): grant moves,
collaborators' moves, consent withdrawals and decisions, each written to the outbox (and
the changes feed) in the transaction that made the change."""

from __future__ import annotations

from django.utils import timezone

from access_requests.events import RequestDecided
from agreements.events import CollaboratorAccessChanged, GrantStatusesChanged
from consent.events import ConsentWithdrawn
from consent.models import ConsentWithdrawal
from dac_portal.events import subscribe
from data_hosts import services
from data_hosts.models import WebhookEvent


@subscribe(GrantStatusesChanged)
def _grants_moved(event: GrantStatusesChanged) -> None:
    services.grant_changes_record(event.changes)


@subscribe(CollaboratorAccessChanged)
def _collaborator_moved(event: CollaboratorAccessChanged) -> None:
    services.collaborator_change_record(
        event.access_id, event.old_status, event.new_status, event.happened
    )


@subscribe(ConsentWithdrawn)
def _consent_withdrawn(event: ConsentWithdrawn) -> None:
    withdrawal = ConsentWithdrawal.objects.select_related("dataset__committee").get(
        pk=event.withdrawal_id
    )
    dataset = withdrawal.dataset
    services.queue(
        [
            services.Event(
                WebhookEvent.CONSENT_WITHDRAWAL,
                dataset.committee_id,
                {
                    "withdrawal": withdrawal.pk,
                    "dataset": dataset.accession,
                    "committee": dataset.committee.slug,
                    "participants": withdrawal.participant_count,
                    "effective_on": withdrawal.effective_on.isoformat(),
                },
            )
        ],
        timezone.now(),
    )


@subscribe(RequestDecided)
def _request_decided(event: RequestDecided) -> None:
    request = event.access_request
    services.queue(
        [
            services.Event(
                WebhookEvent.REQUEST_DECIDED,
                committee_id,
                {
                    "request": request.reference,
                    "status": request.status,
                    "decisions": event.decisions,
                    "user": str(request.applicant.public_id),
                },
            )
            for committee_id in event.committee_ids
        ],
        timezone.now(),
    )
