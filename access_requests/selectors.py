"""Reads of access requests, always filtered to what the caller may see: a request the
caller may not see raises NotFound, exactly as one that does not exist (no existence leak).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from access_requests import progress
from access_requests.audit_actions import RequestAudit
from access_requests.models import (
    REFERENCE_PATTERN,
    AccessRequest,
    Collaborator,
    Document,
    RequestedDataset,
)
from access_requests.rules import (
    is_committee_viewer,
    my_committee_ids,
    request_committee_ids,
    visible_q,
)
from accounts.models import CommitteeMembership
from audit.models import AuditEvent
from consent.models import Dataset
from dac_portal.errors import NotFound

# Timeline events only the committee sees (votes, recusals, committee-only notes). Events
# whose data says {"committee_only": true} are hidden too, whatever their action.
COMMITTEE_ONLY_ACTIONS = frozenset(
    {RequestAudit.ACCESS_REQUEST_VOTE_CAST.value, RequestAudit.ACCESS_REQUEST_RECUSED.value}
)


_REFERENCE = re.compile(REFERENCE_PATTERN)


def _reference(reference: Any) -> str:
    """The reference if it has the DAR-<year>-<6 digits> form; anything else cannot name a
    request, and is answered 404 without asking the database (which would refuse some
    strings, such as ones holding NUL characters, with an error)."""
    text = str(reference)
    if not _REFERENCE.match(text):
        raise NotFound("No such access request.")
    return text


def _datasets_prefetch() -> Prefetch[Any]:
    return Prefetch(
        "requested_datasets",
        queryset=RequestedDataset.objects.select_related("dataset", "committee").order_by(
            "position", "id"
        ),
    )


def access_request_list_for_user(
    *, user: Any, status: str | None = None
) -> QuerySet[AccessRequest]:
    """The requests the user may see, newest first, with what a list row shows loaded in a
    constant number of queries (whatever the page size)."""
    queryset = (
        AccessRequest.objects.filter(visible_q(user))
        .select_related("applicant", "institution", "committee")
        .prefetch_related(_datasets_prefetch())
        .order_by("-created_at", "-id")
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def access_request_get_for_user(*, user: Any, reference: str, full: bool = True) -> AccessRequest:
    queryset = AccessRequest.objects.filter(visible_q(user), reference=_reference(reference))
    queryset = queryset.select_related("applicant", "institution", "committee", "endorsed_by")
    if full:
        queryset = queryset.prefetch_related(
            _datasets_prefetch(),
            Prefetch(
                "collaborators",
                queryset=Collaborator.objects.select_related("user", "user__institution"),
            ),
            Prefetch("documents", queryset=Document.objects.defer("ciphertext")),
        )
    access_request = queryset.first()
    if access_request is None:
        raise NotFound("No such access request.")
    return access_request


def _status_sql() -> str:
    request_table = AccessRequest._meta.db_table
    row_table = RequestedDataset._meta.db_table
    dataset_table = Dataset._meta.db_table
    # Only table names from the models go into the text; the reference is a parameter.
    return (
        "SELECT r.id, r.applicant_id, r.reference, r.status, r.updated_at, "  # noqa: S608
        "d.accession, rd.decision, rd.consent_result "
        f"FROM {request_table} r "
        f"LEFT OUTER JOIN {row_table} rd ON rd.access_request_id = r.id "
        f"LEFT OUTER JOIN {dataset_table} d ON d.id = rd.dataset_id "
        "WHERE r.reference = %s ORDER BY rd.position, rd.id"
    )


def _aware(value: Any) -> datetime:
    # PostgreSQL hands back aware datetimes; SQLite hands back naive UTC text.
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


def access_request_status_for_user(*, user: Any, reference: str) -> dict[str, Any]:
    """What `status/` answers, for the endpoint REST clients poll. One query reads the
    request and its datasets together (a LEFT JOIN: one row per dataset); visibility is
    then free for the applicant, the usual poller, and one EXISTS query for anyone else.

    Plain SQL over three tables, and no model instances: this is the hottest read of the
    API, and building the ORM query cost more than running it (tests/bench figures_40)."""
    with connection.cursor() as cursor:
        cursor.execute(_status_sql(), [_reference(reference)])
        rows = cursor.fetchall()
    if not rows:
        raise NotFound("No such access request.")
    pk, applicant_id, ref, status, updated_at = rows[0][:5]
    if applicant_id != getattr(user, "pk", None) and not (
        AccessRequest.objects.filter(visible_q(user), pk=pk).exists()
    ):
        raise NotFound("No such access request.")
    datasets = [
        {
            "accession": accession,
            "decision": decision or None,
            "consent_result": consent_result or None,
        }
        for *_head, accession, decision, consent_result in rows
        if accession is not None
    ]
    return {
        "reference": ref,
        "status": status,
        "outcome": progress.outcome(status, (d["decision"] for d in datasets)),
        "updated_at": _aware(updated_at),
        "datasets": datasets,
    }


def access_request_events_for_user(
    *, user: Any, access_request: AccessRequest
) -> QuerySet[AuditEvent]:
    """The request's timeline from the audit log; committee-only events are left out for
    anyone outside the committee. On a request spanning committees, another committee's
    committee-only events (those its people wrote) are left out too."""
    events = (
        AuditEvent.objects.filter(object_type="access_request", object_id=access_request.reference)
        .select_related("actor")  # the timeline names people, not usernames
        .order_by("seq")
    )
    if not is_committee_viewer(user, access_request):
        # has_key first: for rows without the key, `committee_only = true` is NULL in SQL,
        # and a bare exclude() of NULL would hide them as well.
        events = events.exclude(action__in=COMMITTEE_ONLY_ACTIONS).exclude(
            Q(data__has_key="committee_only") & Q(data__committee_only=True)
        )
    elif not getattr(user, "is_superuser", False):
        mine = my_committee_ids(user, access_request)
        if set(request_committee_ids(access_request)) - set(mine):
            insiders = CommitteeMembership.objects.filter(committee_id__in=mine).values("user_id")
            committee_only = Q(action__in=COMMITTEE_ONLY_ACTIONS) | (
                Q(data__has_key="committee_only") & Q(data__committee_only=True)
            )
            events = events.exclude(committee_only & ~Q(actor_id__in=insiders))
    return events


def document_get_for_user(*, user: Any, reference: str, document_id: Any) -> Document:
    access_request = access_request_get_for_user(user=user, reference=reference, full=False)
    try:
        public_id = uuid.UUID(str(document_id))
    except ValueError:
        public_id = None  # a malformed id is as unknown as a missing one
    document = (
        Document.objects.filter(access_request=access_request, public_id=public_id).first()
        if public_id
        else None
    )
    if document is None:
        raise NotFound("No such document.")
    return document


def catalogue_datasets() -> QuerySet[Dataset]:
    """Datasets a researcher can ask for (the public catalogue)."""
    return Dataset.objects.filter(is_public=True).select_related("committee").order_by("accession")


def open_requests_by_accession(applicant: Any, *, exclude_pk: Any = None) -> dict[str, str]:
    """accession -> reference of the applicant's open request for that dataset (one open
    request per dataset and applicant): the request form's picker marks them."""
    if applicant is None or not getattr(applicant, "is_authenticated", False):
        return {}
    rows = RequestedDataset.objects.filter(applicant=applicant, is_open=True)
    if exclude_pk is not None:
        rows = rows.exclude(access_request_id=exclude_pk)
    return dict(rows.values_list("dataset__accession", "access_request__reference"))
