"""State changes of access requests: one function per transition of workflow.py.

Each runs in one transaction: lock the request row, ask the workflow tables whether the
caller may fire the action now (409 with the allowed actions if not), change the rows,
write the audit event, queue the notifications (sent after the commit). Only these
functions assign `status`. A refused call raises before anything is written, or inside
the transaction, which rolls back: nothing changes either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from hashlib import sha256
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from access_requests import documents, ethics, standing, workflow
from access_requests.audit_actions import RequestAudit
from access_requests.events import RequestWithdrawn
from access_requests.models import (
    ATTESTATIONS,
    AccessRequest,
    Collaborator,
    CommitteeRoute,
    Document,
    ReferenceCounter,
    RequestedDataset,
    RequestRevision,
)
from access_requests.rules import request_committee_ids, workflow_roles
from access_requests.validation import clean_content
from accounts.federation.selectors import bona_fide_visa
from accounts.models import Committee, PortalRole, User
from accounts.permissions import require
from accounts.training import require_training
from audit.services import audit_record
from consent.models import Dataset
from consent.services import consent_evaluate_dataset, purpose_parse
from dac_portal import events
from dac_portal.actions import Aggregate, Firing
from dac_portal.errors import (
    ApplicationError,
    Conflict,
    PermissionDenied,
    ValidationError,
)
from dac_portal.text import clean_text
from notifications.services import notify

A = workflow.Action


class ConsentIncompatible(ValidationError):
    """A requested dataset's consent does not allow the stated purpose."""

    code = "consent_incompatible"


class Incomplete(ValidationError):
    code = "incomplete"


class TooLarge(ApplicationError):
    status_code = 413
    code = "too_large"


# -- helpers -------------------------------------------------------------------------------


def access_request_lock(access_request: AccessRequest) -> AccessRequest:
    """The request, re-read under a row lock until the transaction ends. Apps above use it
    to serialise their own changes on one request (the grants of a request ending in two
    transactions at once: the second sees the first's and announces the end once)."""
    return _lock(access_request)


def _lock(access_request: AccessRequest) -> AccessRequest:
    return (
        AccessRequest.objects.select_for_update(of=("self",))
        .select_related("committee", "institution", "applicant")
        .get(pk=access_request.pk)
    )


def _check(access_request: AccessRequest, action: str, actor: User) -> frozenset[str]:
    """Refuse unless `actor` may fire `action` now (dac_portal.state_machine: 403 when none
    of their roles could ever fire it, 403 `recused`, 409 with the allowed actions)."""
    return workflow.MACHINE.check(
        access_request.status, action, workflow_roles(actor, access_request)
    )


def access_request_advance(
    access_request: AccessRequest, action: str, now: datetime, *, outcome: str | None = None
) -> str:
    """Move the (locked) request to the status the workflow table gives for `action` (and
    `outcome`, for an action with several), with the copies that mirror it; returns the old
    status. The only place a request's status is written: a handler names the action, the
    table names the status."""
    old = access_request.status
    status = workflow.next_status(old, action, outcome)
    access_request.status = status
    access_request.updated_at = now
    # The copy on each dataset row carries the one-open-request-per-dataset constraint.
    RequestedDataset.objects.filter(access_request=access_request).update(
        is_open=workflow.is_open(status)
    )
    # The copy on each committee route serves the committees' queues.
    CommitteeRoute.objects.filter(access_request=access_request).update(status=status)
    return old


def _advance(access_request: AccessRequest, action: str, now: datetime, outcome: str | None) -> str:
    """An action that keeps the status (an edit, a note) writes nothing of it."""
    old = access_request.status
    if workflow.next_status(old, action, outcome) == old:
        return old
    return access_request_advance(access_request, action, now, outcome=outcome)


# How an action is fired on a request (dac_portal/actions.py): lock, check the table for
# the actor's workflow roles, let the handler work, move the status, save, audit.
REQUESTS: Aggregate[AccessRequest] = Aggregate(
    machine=workflow.MACHINE,
    lock=_lock,
    roles=workflow_roles,
    advance=_advance,
    record=audit_record,
)


def request_committees(access_request: AccessRequest) -> list[Committee]:
    """The committees the request goes to, the lead committee first."""
    ids = request_committee_ids(access_request)
    found = {c.pk: c for c in Committee.objects.filter(pk__in=ids)}
    return [found[i] for i in ids if i in found]


def _sync_routes(access_request: AccessRequest) -> None:
    """One CommitteeRoute per committee of the requested datasets, in dataset order; the
    lead committee (AccessRequest.committee) is the first dataset's."""
    wanted: list[int] = []
    for committee_id in (
        RequestedDataset.objects.filter(access_request=access_request)
        .order_by("position", "id")
        .values_list("committee_id", flat=True)
    ):
        if committee_id is not None and committee_id not in wanted:
            wanted.append(committee_id)
    CommitteeRoute.objects.filter(access_request=access_request).exclude(
        committee_id__in=wanted
    ).delete()
    existing = {
        r.committee_id: r for r in CommitteeRoute.objects.filter(access_request=access_request)
    }
    for position, committee_id in enumerate(wanted):
        route = existing.get(committee_id)
        if route is None:
            CommitteeRoute.objects.create(
                access_request=access_request,
                committee_id=committee_id,
                position=position,
                status=access_request.status,
                routed_at=access_request.routed_at,
                review_due_at=access_request.review_due_at,
            )
        elif route.position != position:
            route.position = position
            route.save(update_fields=["position"])
    access_request.committee_id = wanted[0] if wanted else None


def _next_reference(now: datetime) -> str:
    """DAR-<year>-<6 digits>, the next number of the year under a row lock."""
    year = now.year
    ReferenceCounter.objects.get_or_create(year=year)
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    if counter.last > 999_999:
        raise Conflict("No request references are left for this year.")
    counter.save(update_fields=["last"])
    return f"DAR-{year}-{counter.last:06d}"


def _resolve_datasets(accessions: list[str]) -> list[Dataset]:
    found = {
        d.accession: d
        for d in Dataset.objects.filter(accession__in=accessions, is_public=True).select_related(
            "committee"
        )
    }
    unknown = [a for a in accessions if a not in found]
    if unknown:
        raise ValidationError(
            "Unknown datasets: " + ", ".join(unknown) + ".",
            details={"datasets": [f"Unknown dataset {a}." for a in unknown]},
        )
    # Datasets of several committees may share a request: each committee decides its own
    # (CommitteeRoute, RequestedDataset.committee; docs/adr/0006).
    return [found[a] for a in accessions]


def _resolve_collaborators(entries: list[dict[str, str]], applicant: User) -> list[Collaborator]:
    """Username entries are kept as typed and linked to an account only when an active
    person (not a service account) holds that username. Nothing here depends on whether the
    username exists, so that the answer cannot be used to probe for accounts."""
    usernames = [e["username"] for e in entries if e.get("username")]
    usable = {
        u.username: u
        for u in User.objects.filter(
            username__in=usernames, is_active=True, is_service_account=False
        )
    }
    result = []
    seen: set[str] = set()
    for position, entry in enumerate(entries):
        if entry.get("username"):
            username = entry["username"]
            # One's own username, or the same one twice, adds nobody (as before).
            if username == applicant.username or username in seen:
                continue
            seen.add(username)
            result.append(
                Collaborator(username=username, user=usable.get(username), position=position)
            )
        else:
            result.append(
                Collaborator(
                    name=entry["name"],
                    institution_name=entry["institution"],
                    email=entry.get("email", ""),
                    position=position,
                )
            )
    return result


def _check_open_elsewhere(applicant: User, datasets: Iterable[Dataset], exclude_pk: Any) -> None:
    clash = (
        RequestedDataset.objects.filter(applicant=applicant, is_open=True, dataset__in=datasets)
        .exclude(access_request_id=exclude_pk)
        .select_related("access_request", "dataset")
        .first()
    )
    if clash is not None:
        raise Conflict(
            f"You already have an open request for {clash.dataset.accession}: "
            f"{clash.access_request.reference}.",
            details={
                "dataset": clash.dataset.accession,
                "reference": clash.access_request.reference,
            },
            code="duplicate_open_request",
        )


def _apply_content(
    access_request: AccessRequest, cleaned: dict[str, Any], now: datetime
) -> list[str]:
    """Write the cleaned fields onto the request and its child rows; return the names of
    the fields that changed."""
    changed: list[str] = []
    for field in ("title", "lay_summary", "research_use_statement", "purpose"):
        if field in cleaned and getattr(access_request, field) != cleaned[field]:
            setattr(access_request, field, cleaned[field])
            changed.append(field)
    if "attestations" in cleaned:
        for key, given in cleaned["attestations"].items():
            attr = f"attested_{key}_at"
            was = getattr(access_request, attr) is not None
            if given != was:
                setattr(access_request, attr, now if given else None)
                if "attestations" not in changed:
                    changed.append("attestations")
    if "datasets" in cleaned:
        datasets = _resolve_datasets(cleaned["datasets"])
        current = list(
            access_request.requested_datasets.order_by("position", "id").values_list(
                "dataset__accession", flat=True
            )
        )
        if current != [d.accession for d in datasets]:
            _check_open_elsewhere(access_request.applicant, datasets, access_request.pk)
            access_request.requested_datasets.all().delete()
            RequestedDataset.objects.bulk_create(
                RequestedDataset(
                    access_request=access_request,
                    dataset=dataset,
                    committee_id=dataset.committee_id,
                    applicant=access_request.applicant,
                    is_open=workflow.is_open(access_request.status),
                    position=position,
                )
                for position, dataset in enumerate(datasets)
            )
            _sync_routes(access_request)
            changed.append("datasets")
    if "collaborators" in cleaned:
        new = _resolve_collaborators(cleaned["collaborators"], access_request.applicant)
        before = _collaborators_snapshot(access_request)
        access_request.collaborators.all().delete()
        for collaborator in new:
            collaborator.access_request = access_request
        Collaborator.objects.bulk_create(new)
        if _collaborators_snapshot(access_request) != before:
            changed.append("collaborators")
    return changed


def _collaborators_snapshot(access_request: AccessRequest) -> list[dict[str, str]]:
    return [
        {"username": c.shown_username}
        if c.shown_username
        else {"name": c.name, "institution": c.institution_name, "email": c.email}
        for c in access_request.collaborators.select_related("user").order_by("position", "id")
    ]


def snapshot(access_request: AccessRequest) -> dict[str, Any]:
    """What the applicant wrote, as plain JSON (kept per revision for the reviewers)."""
    return {
        "title": access_request.title,
        "lay_summary": access_request.lay_summary,
        "research_use_statement": access_request.research_use_statement,
        "purpose": access_request.purpose,
        "datasets": list(
            access_request.requested_datasets.order_by("position", "id").values_list(
                "dataset__accession", flat=True
            )
        ),
        "collaborators": _collaborators_snapshot(access_request),
        "attestations": access_request.attestations(),
        "documents": [
            {"id": str(d.public_id), "filename": d.filename, "sha256": d.sha256}
            for d in access_request.documents.defer("ciphertext").order_by("uploaded_at", "id")
        ],
    }


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Field by field: {"field": {"old": …, "new": …}} for each field that changed."""
    return {
        key: {"old": old.get(key), "new": new.get(key)}
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key)
    }


MISSING_IN_WORDS = {
    "title": "the title",
    "lay_summary": "the lay summary",
    "research_use_statement": "the research use statement",
    "purpose": "the research purpose",
    "datasets": "the datasets",
    "attestations": "your commitments",
    "institution": "your institution",
}


def _completeness(access_request: AccessRequest) -> None:
    missing: dict[str, list[str]] = {}
    for field in ("title", "lay_summary", "research_use_statement"):
        if not getattr(access_request, field).strip():
            missing[field] = ["Required before submission."]
    if access_request.purpose is None:
        missing["purpose"] = ["Answer the research purpose questions."]
    if not access_request.requested_datasets.exists():
        missing["datasets"] = ["Choose at least one dataset."]
    not_given = [k for k, given in access_request.attestations().items() if not given]
    if not_given:
        # In words, as the form asks them (the keys are the API's, not the reader's).
        missing["attestations"] = [
            "Not yet given: " + "; ".join(f"“{ATTESTATIONS[key]}”" for key in not_given) + "."
        ]
    if access_request.institution_id is None:
        missing["institution"] = ["Your account has no institution; ask an administrator."]
    if missing:
        raise Incomplete(
            "The request is not complete. Still missing: "
            + ", ".join(str(MISSING_IN_WORDS.get(key, key)) for key in missing)
            + ".",
            details=missing,
        )


def _check_not_sanctioned(access_request: AccessRequest) -> None:
    """A sanctioned applicant (or one of a sanctioned institution) cannot submit. The
    sanctions are agreements' to keep; it answers through access_requests.standing."""
    restriction = standing.restriction_for(access_request.applicant)
    if restriction is not None:
        raise PermissionDenied(restriction.message, code="sanctioned")


def _check_bona_fide(access_request: AccessRequest, committees: list[Committee]) -> None:
    """A committee may ask for applicants with a current bona fide researcher status (a
    GA4GH ResearcherStatus visa brought at sign-in, docs/identity.md)."""
    asking = [c.name for c in committees if c.bona_fide_required]
    if asking and bona_fide_visa(access_request.applicant) is None:
        raise Conflict(
            f"{', '.join(asking)} accept requests only from researchers with a current bona "
            "fide status (a GA4GH ResearcherStatus visa). Sign in through an identity "
            "provider that vouches for it, such as LS Login, then submit again.",
            code="bona_fide_required",
        )


def _check_training(access_request: AccessRequest, committees: list[Committee]) -> None:
    """A committee may ask for a recent data-protection or research-ethics training record
    (issue 18): the applicant's is checked here; each collaborator's when they sign."""
    require_training(access_request.applicant, committees, then="submit again")


def _evaluate_consent(access_request: AccessRequest, now: datetime) -> dict[str, str]:
    """Evaluate every requested dataset against its current consent scope and keep each
    evaluation on its row. An incompatible dataset refuses the whole call (the transaction
    rolls back), with the reasons per dataset so the applicant can act on them."""
    purpose = purpose_parse(access_request.purpose)
    results: dict[str, str] = {}
    blocked: dict[str, Any] = {}
    rows = list(access_request.requested_datasets.select_related("dataset", "dataset__committee"))
    for row in rows:
        evaluation = consent_evaluate_dataset(dataset=row.dataset, purpose=purpose)
        row.consent_result = evaluation.result
        row.consent_evaluation = evaluation.as_dict()
        row.scope_version = evaluation.scope_version
        row.evaluated_at = now
        row.ethics_approval_required = ethics.evaluation_asks_for_ethics(row.consent_evaluation)
        results[row.dataset.accession] = evaluation.result
        if evaluation.result == "incompatible":
            blocked[row.dataset.accession] = {
                "result": evaluation.result,
                "reasons": [dict(r) for r in evaluation.reasons],
            }
    if blocked:
        raise ConsentIncompatible(
            "The participants' consent does not allow this purpose for "
            + ", ".join(sorted(blocked))
            + ". Remove those datasets or change the purpose.",
            details={"datasets": blocked},
        )
    RequestedDataset.objects.bulk_update(
        rows,
        [
            "consent_result",
            "consent_evaluation",
            "scope_version",
            "evaluated_at",
            "ethics_approval_required",
        ],
    )
    _check_ethics_approval(access_request, rows, now)
    return results


def _check_ethics_approval(
    access_request: AccessRequest, rows: list[RequestedDataset], now: datetime
) -> None:
    """A dataset whose consent asks for ethics approval (IRB) needs one on file, valid
    today: refused with the datasets named until the applicant files it."""
    needing = [row.dataset.accession for row in rows if row.ethics_approval_required]
    if needing and ethics.current_approval(access_request, timezone.localdate(now)) is None:
        raise ValidationError(
            "The participants' consent for "
            + ", ".join(needing)
            + " asks for ethics approval: file your ethics committee's approval (its "
            "document, approving body, number and expiry date) before you submit.",
            details={"ethics_approval": ["Required before submission."], "datasets": needing},
            code="ethics_approval_required",
        )


@workflow.MACHINE.handles(A.ROUTE)
def _route_to_review(firing: Firing[AccessRequest]) -> None:
    """The portal's own step after a submission that needs no endorsement: recorded in
    the submission's audit event (`then: ["route"]`)."""
    firing.follow(A.ROUTE)
    access_request = firing.obj
    access_request.routed_at = access_request.routed_at or firing.now
    _set_review_due(access_request, firing.now)


def _set_review_due(access_request: AccessRequest, now: datetime) -> None:
    """Each committee's route is due after that committee's own target, and is undecided
    again; the request is due when the first of them is (the earliest promise)."""
    dues = []
    routes = list(
        CommitteeRoute.objects.filter(access_request=access_request).select_related("committee")
    )
    for route in routes:
        route.routed_at = route.routed_at or access_request.routed_at or now
        route.review_due_at = now + timedelta(days=route.committee.review_target_days)
        route.decided_at = None
        dues.append(route.review_due_at)
    CommitteeRoute.objects.bulk_update(routes, ["routed_at", "review_due_at", "decided_at"])
    access_request.review_due_at = min(dues) if dues else now + timedelta(days=14)


def _notification_context(access_request: AccessRequest) -> dict[str, Any]:
    return {
        "reference": access_request.reference,
        "title": access_request.title,
        "status": access_request.get_status_display(),
        "applicant_name": access_request.applicant.get_full_name()
        or access_request.applicant.username,
        "committee_name": ", ".join(c.name for c in request_committees(access_request)),
        "action_url": f"/requests/{access_request.reference}/",
    }


# -- services ------------------------------------------------------------------------------


@workflow.MACHINE.handles(A.CREATE)
def access_request_create(*, applicant: User, data: Any, actor: User) -> AccessRequest:
    """Create a draft from the applicant's fields (any subset; completeness is checked at
    submission)."""
    if actor.pk != applicant.pk:
        raise PermissionDenied("Requests are created by their applicant.")
    require(actor, "access_request.create", message="Only researchers create access requests.")
    cleaned = clean_content(data, partial=False)
    now = timezone.now()
    try:
        with transaction.atomic():
            access_request = AccessRequest(
                reference=_next_reference(now),
                applicant=applicant,
                institution=applicant.institution,
                status=workflow.next_status(workflow.Status.NEW, A.CREATE),
                created_at=now,
                updated_at=now,
            )
            access_request.save()
            _apply_content(access_request, cleaned, now)
            access_request.save()
            audit_record(
                actor=actor,
                action=RequestAudit.ACCESS_REQUEST_CREATED,
                target=access_request,
                data={
                    "status": access_request.status,
                    "datasets": cleaned.get("datasets", []),
                    "fields": sorted(k for k in cleaned if k != "datasets"),
                },
            )
    except IntegrityError as exc:
        # Two creations racing for the same dataset: the partial unique index decides.
        raise Conflict(
            "You already have an open request for one of these datasets.",
            code="duplicate_open_request",
        ) from exc
    return access_request


@workflow.MACHINE.handles(A.UPDATE)
def access_request_update(
    *, access_request: AccessRequest, data: Any, actor: User
) -> AccessRequest:
    """Change the applicant's fields of a draft, or of a request sent back for changes."""
    cleaned = clean_content(data, partial=True)
    now = timezone.now()
    try:
        with REQUESTS.fire(
            access_request, A.UPDATE, actor, RequestAudit.ACCESS_REQUEST_UPDATED
        ) as firing:
            access_request = firing.obj
            changed = _apply_content(access_request, cleaned, now)
            if changed:
                access_request.updated_at = now
            firing.data.update(status=access_request.status, changed=changed)
    except IntegrityError as exc:
        raise Conflict(
            "You already have an open request for one of these datasets.",
            code="duplicate_open_request",
        ) from exc
    return access_request


@workflow.MACHINE.handles(A.SUBMIT)
def access_request_submit(*, access_request: AccessRequest, actor: User) -> AccessRequest:
    """Check completeness and consent, then send the request on: to the signing officials
    for endorsement when the committee asks for it, otherwise straight to review."""
    with REQUESTS.fire(
        access_request, A.SUBMIT, actor, RequestAudit.ACCESS_REQUEST_SUBMITTED
    ) as firing:
        access_request, now = firing.obj, firing.now
        _check_not_sanctioned(access_request)
        committees = request_committees(access_request)
        _check_bona_fide(access_request, committees)
        _check_training(access_request, committees)
        _completeness(access_request)
        results = _evaluate_consent(access_request, now)
        firing.advance()
        access_request.submitted_at = now
        # The request needs endorsement when any of its committees asks for it.
        endorsement = any(c.endorsement_required for c in committees)
        if not endorsement:
            _route_to_review(firing)
        RequestRevision.objects.create(
            access_request=access_request,
            number=access_request.revision,
            snapshot=snapshot(access_request),
            created_by=actor,
            created_at=now,
        )
        firing.data.update(
            endorsement_required=endorsement,
            consent=results,
            consent_versions={
                row.dataset.accession: row.scope_version
                for row in access_request.requested_datasets.select_related("dataset")
            },
            revision=access_request.revision,
        )
        context = _notification_context(access_request)
        notify(
            "access_request_submitted",
            access_request.applicant,
            f"access_request.submitted:{access_request.reference}:r{access_request.revision}",
            context,
            actor,
        )
        if endorsement:
            officials = User.objects.filter(
                portal_roles__role=PortalRole.SIGNING_OFFICIAL,
                portal_roles__institution_id=access_request.institution_id or 0,
                is_active=True,
            ).distinct()
            for official in officials:
                notify(
                    "access_request_endorsement_needed",
                    official,
                    f"access_request.endorsement_needed:{access_request.reference}:{official.pk}",
                    context,
                    actor,
                )
    return access_request


@workflow.MACHINE.handles(A.ENDORSE)
def access_request_endorse(*, access_request: AccessRequest, actor: User) -> AccessRequest:
    """A signing official of the applicant's institution endorses: the request goes to
    the committee for review."""
    with REQUESTS.fire(
        access_request, A.ENDORSE, actor, RequestAudit.ACCESS_REQUEST_ENDORSED
    ) as firing:
        access_request, now = firing.obj, firing.now
        firing.advance()
        access_request.endorsed_at = now
        access_request.endorsed_by = actor
        access_request.routed_at = access_request.routed_at or now
        _set_review_due(access_request, now)
        institution = access_request.institution
        firing.data["institution"] = institution.name if institution else None
    return access_request


@workflow.MACHINE.handles(A.WITHDRAW)
def access_request_withdraw(
    *, access_request: AccessRequest, actor: User, reason: str = ""
) -> AccessRequest:
    reason = clean_text(reason, field="reason", limit=2000, required=False, none_is_empty=False)
    with REQUESTS.fire(
        access_request, A.WITHDRAW, actor, RequestAudit.ACCESS_REQUEST_WITHDRAWN
    ) as firing:
        access_request = firing.obj
        firing.advance()
        access_request.withdrawn_at = firing.now
        firing.data["reason"] = reason
        # In this transaction: what hangs on the review ends with it (outside reviewers).
        events.publish(RequestWithdrawn(access_request=access_request, actor=actor))
        context = {**_notification_context(access_request), "reason": reason}
        notify(
            "access_request_withdrawn",
            access_request.applicant,
            f"access_request.withdrawn:{access_request.reference}:{access_request.applicant_id}",
            context,
            actor,
        )
        if access_request.routed_at and access_request.committee_id:
            chairs = User.objects.filter(
                committee_memberships__committee_id__in=request_committee_ids(access_request),
                committee_memberships__role="chair",
                is_active=True,
            ).distinct()
            for chair in chairs:
                notify(
                    "access_request_withdrawn",
                    chair,
                    f"access_request.withdrawn:{access_request.reference}:{chair.pk}",
                    context,
                    actor,
                )
    return access_request


@workflow.MACHINE.handles(A.RESUBMIT)
def access_request_resubmit(*, access_request: AccessRequest, actor: User) -> AccessRequest:
    """After the committee asked for changes: check again, record a new revision with a
    field-by-field diff against the previous one, and go back to review."""
    with REQUESTS.fire(
        access_request, A.RESUBMIT, actor, RequestAudit.ACCESS_REQUEST_RESUBMITTED
    ) as firing:
        access_request, now = firing.obj, firing.now
        _check_not_sanctioned(access_request)
        committees = request_committees(access_request)
        _check_bona_fide(access_request, committees)
        _check_training(access_request, committees)
        _completeness(access_request)
        results = _evaluate_consent(access_request, now)
        previous = access_request.revisions.order_by("-number").first()
        current = snapshot(access_request)
        changes = diff(previous.snapshot if previous else {}, current)
        firing.advance()
        access_request.revision = (previous.number if previous else access_request.revision) + 1
        # Back to every committee involved, each with its own target; decisions some
        # committee recorded on the earlier revision are cleared: the text changed, so
        # every dataset is decided again on the revision the applicant sent now.
        cleared = _clear_partial_decisions(access_request)
        _set_review_due(access_request, now)
        RequestRevision.objects.create(
            access_request=access_request,
            number=access_request.revision,
            snapshot=current,
            diff=changes,
            created_by=actor,
            created_at=now,
        )
        firing.data.update(
            revision=access_request.revision,
            changed=sorted(changes),
            consent=results,
            decisions_cleared=cleared,
        )
        notify(
            "access_request_submitted",
            access_request.applicant,
            f"access_request.submitted:{access_request.reference}:r{access_request.revision}",
            _notification_context(access_request),
            actor,
        )
    return access_request


def _clear_partial_decisions(access_request: AccessRequest) -> list[str]:
    rows = list(
        RequestedDataset.objects.filter(access_request=access_request)
        .exclude(decision="")
        .select_related("dataset")
    )
    for row in rows:
        row.decision = ""
        row.decision_reason = ""
        row.decision_conditions = []
        row.decision_scope_version = None
        row.decided_at = None
    RequestedDataset.objects.bulk_update(
        rows,
        [
            "decision",
            "decision_reason",
            "decision_conditions",
            "decision_scope_version",
            "decided_at",
        ],
    )
    return sorted(row.dataset.accession for row in rows)


def document_size_check(size: int) -> None:
    limit = settings.DOCUMENT_MAX_BYTES
    if size > limit:
        raise TooLarge(
            f"The file is larger than the limit of {limit // (1024 * 1024)} MB.",
            details={"file": [f"At most {limit} bytes."], "max_bytes": limit},
        )


def upload_content_type(filename: str, content: bytes) -> str:
    """What an uploaded file really is (PDF, ODT or DOCX, judged by its bytes), or a 400 /
    413 saying why it cannot be kept."""
    document_size_check(len(content))
    if not content:
        raise ValidationError("The file is empty.", details={"file": ["Empty file."]})
    content_type = documents.sniff(content)
    if content_type is None:
        raise ValidationError(
            "Only PDF, ODT and DOCX documents are accepted.",
            details={"file": ["Not a PDF, ODT or DOCX file (judged by its content)."]},
            code="unsupported_media_type",
        )
    return content_type


def document_store(
    firing: Any, *, actor: User, kind: str, filename: str, content: bytes, content_type: str
) -> Document:
    """Keep an upload encrypted, inside the firing of the action that takes it (its
    transaction and audit event)."""
    access_request, now = firing.obj, firing.now
    document = Document.objects.create(
        access_request=access_request,
        kind=kind,
        filename=documents.safe_filename(filename, content_type),
        content_type=content_type,
        size=len(content),
        sha256=sha256(content).hexdigest(),
        ciphertext=documents.encrypt(content),
        uploaded_by=actor,
        uploaded_at=now,
    )
    access_request.updated_at = now
    firing.data.update(
        document=str(document.public_id),
        kind=kind,
        filename=document.filename,
        content_type=content_type,
        size=document.size,
        sha256=document.sha256,
    )
    return document


@workflow.MACHINE.handles(A.ADD_DOCUMENT)
def access_request_document_add(
    *,
    access_request: AccessRequest,
    filename: str,
    content: bytes,
    kind: str = Document.Kind.OTHER,
    actor: User,
) -> Document:
    """Store an uploaded document encrypted. Only PDF, ODT and DOCX, judged by the bytes."""
    if kind not in Document.Kind.values:
        raise ValidationError(
            "Unknown document kind.", details={"kind": [f"One of {Document.Kind.values}."]}
        )
    content_type = upload_content_type(filename, content)
    with REQUESTS.fire(
        access_request, A.ADD_DOCUMENT, actor, RequestAudit.ACCESS_REQUEST_DOCUMENT_ADDED
    ) as firing:
        return document_store(
            firing,
            actor=actor,
            kind=kind,
            filename=filename,
            content=content,
            content_type=content_type,
        )


__all__ = [
    "ATTESTATIONS",
    "ConsentIncompatible",
    "Incomplete",
    "TooLarge",
    "access_request_create",
    "access_request_document_add",
    "access_request_endorse",
    "access_request_resubmit",
    "access_request_submit",
    "access_request_update",
    "access_request_withdraw",
]


@workflow.MACHINE.handles(A.CLOSE)
def access_request_close(
    *,
    access_request: AccessRequest,
    grant_statuses: Iterable[str],
    actor: User | None = None,
    system: str = "access_requests",
) -> bool:
    """Close an approved request whose grants have all ended (workflow's `close`, fired by
    the system role). Called when the app that keeps grants announces AllGrantsEnded, in
    its transaction. Returns whether it closed the request; a request that is not
    `approved` (closed already, say) is left alone, so announcing twice closes once."""
    with transaction.atomic():
        access_request = _lock(access_request)
        if not workflow.may(access_request.status, A.CLOSE, [workflow.Role.SYSTEM]):
            return False
        with REQUESTS.fire(
            access_request,
            A.CLOSE,
            actor,
            RequestAudit.ACCESS_REQUEST_CLOSED,
            system=system,
            as_system=True,
        ) as firing:
            firing.advance()
            firing.obj.closed_at = firing.now
            firing.data["grants"] = sorted(set(grant_statuses))
    return True
