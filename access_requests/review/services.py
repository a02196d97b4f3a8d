"""State changes of the committee review: assignment, recusal, votes, committee notes,
changes requested and the decision per dataset (issue 8).

Same shape as access_requests.services: one transaction each, the request row locked
(SELECT … FOR UPDATE) first, the workflow tables asked whether the caller may act now
(409 with the allowed actions when the status forbids, 403 when their role never could),
the audit event in the same transaction, notifications queued in it (sent after commit).
Votes, recusals and notes are audited with `committee_only: true`, which the request's
timeline hides from everyone outside the committee; the decision's event carries the
decisions, reasons and conditions, never the votes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from access_requests import conflicts, progress, voting, workflow
from access_requests.audit_actions import RequestAudit
from access_requests.events import DatasetsApproved, RequestDecided
from access_requests.models import (
    AccessRequest,
    CommitteeNote,
    CommitteeReviewSettings,
    CommitteeRoute,
    ConflictWaiver,
    OutsideReviewerEnd,
    Recusal,
    RequestedDataset,
    ReviewAssignment,
    ReviewMode,
    Vote,
    VoteChoice,
)
from access_requests.review import outside
from access_requests.review import selectors as review_selectors
from access_requests.review.rules import chaired_committee_ids, voting_committee_ids
from access_requests.rules import my_committee_ids, request_committee_ids, workflow_roles
from access_requests.services import (
    REQUESTS,
    _notification_context,
)
from accounts.models import Committee, User
from accounts.permissions import can, require
from audit.receipts import ReceiptKind, receipt_record
from audit.services import audit_record
from consent.reconsent import refuse_if_reconsent_pending
from consent.services import consent_evaluate_dataset, purpose_parse
from dac_portal import events
from dac_portal.errors import ApplicationError, Conflict, PermissionDenied, ValidationError
from dac_portal.text import clean_text
from notifications.services import notify

A = workflow.Action
TEXT_LIMIT = 5000
DECISIONS_INCOMPLETE = "Some decisions are missing or incomplete: see each dataset."


def _text(value: Any, field: str, *, required: bool = True, limit: int = TEXT_LIMIT) -> str:
    return clean_text(value, field=field, limit=limit, required=required)


def _rows_by_accession(access_request: AccessRequest) -> dict[str, RequestedDataset]:
    return {
        row.dataset.accession: row
        for row in RequestedDataset.objects.filter(access_request=access_request)
        .select_related("dataset", "committee")
        .order_by("position", "id")
    }


def _committee_of(row: RequestedDataset, access_request: AccessRequest) -> int:
    return review_selectors.row_committee_id(row, access_request) or 0


def _voting_committees(access_request: AccessRequest, actor: User) -> set[int]:
    """The committees of the request on which `actor` votes (the named rule; 403 if none)."""
    require(
        actor,
        "access_request.vote",
        access_request,
        message="Only the reviewers of this request vote on it.",
    )
    return voting_committee_ids(actor, access_request)


def _recount_voters(access_request: AccessRequest) -> None:
    """Keep each route's `voters` (people who voted on that committee's datasets) in step
    with the votes, inside the vote's or recusal's own transaction: the chairs' home pages
    read it (access_requests/dashboard.py)."""
    by_committee: dict[int, set[int]] = {}
    for committee_id, voter_id in Vote.objects.filter(access_request=access_request).values_list(
        "requested_dataset__committee_id", "voter_id"
    ):
        by_committee.setdefault(committee_id or access_request.committee_id or 0, set()).add(
            voter_id
        )
    for route in CommitteeRoute.objects.filter(access_request=access_request):
        count = len(by_committee.get(route.committee_id, set()))
        if route.voters != count:
            route.voters = count
            route.save(update_fields=["voters"])


def _other_committee(accessions: list[str]) -> PermissionDenied:
    return PermissionDenied(
        "Another committee decides "
        + ", ".join(sorted(accessions))
        + ": only its own members vote on it and its own chair decides it.",
        code="other_committee",
        details={"datasets": sorted(accessions)},
    )


# -- settings and assignment ---------------------------------------------------------------


def _review_setting_set(
    committee: Committee, actor: User, name: str, value: Any, action: str
) -> CommitteeReviewSettings:
    """One setting of how the committee reviews, changed by its chair and audited with
    the old and the new value (a committee without a row has the defaults)."""
    if not can(actor, "committee.chair", committee):
        raise PermissionDenied("Only the committee's chair sets how it reviews.")
    with transaction.atomic():
        settings, _created = CommitteeReviewSettings.objects.select_for_update().get_or_create(
            committee=committee
        )
        old = getattr(settings, name)
        setattr(settings, name, value)
        settings.updated_at = timezone.now()
        settings.save()
        audit_record(actor=actor, action=action, target=settings, data={"old": old, "new": value})
    return settings


def committee_review_mode_set(
    *, committee: Committee, review_mode: str, actor: User
) -> CommitteeReviewSettings:
    if review_mode not in ReviewMode.values:
        raise ValidationError(
            "Unknown review mode.", details={"review_mode": [f"One of {ReviewMode.values}."]}
        )
    return _review_setting_set(
        committee, actor, "review_mode", review_mode, RequestAudit.COMMITTEE_REVIEW_MODE_CHANGED
    )


def committee_outside_votes_set(
    *, committee: Committee, count: Any, actor: User
) -> CommitteeReviewSettings:
    """Whether the votes of the outside reviewers the committee invites count in its
    tallies and quorum (on), or they give an opinion only (off, the default)."""
    if not isinstance(count, bool):
        raise ValidationError(
            "Say whether outside reviewers' votes count.",
            details={"outside_votes_count": ["True or false."]},
        )
    return _review_setting_set(
        committee,
        actor,
        "outside_votes_count",
        count,
        RequestAudit.COMMITTEE_OUTSIDE_VOTES_CHANGED,
    )


@workflow.MACHINE.handles(A.ASSIGN)
def reviewers_assign(
    *, access_requests: Iterable[AccessRequest], reviewers: Iterable[User], actor: User
) -> int:
    """The chair assigns reviewers to one or many requests (bulk assignment from the
    queue); all or nothing. Each newly assigned reviewer is told. Returns the number of
    new assignments."""
    reviewers = list(reviewers)
    targets = sorted(access_requests, key=lambda r: r.pk)  # one lock order: no deadlocks
    if not reviewers:
        raise ValidationError("Choose at least one reviewer.", details={"reviewers": ["Required."]})
    if not targets:
        raise ValidationError("Choose at least one request.", details={"requests": ["Required."]})
    with transaction.atomic():  # every request's firing commits together, or none does
        return sum(_assign_one(access_request, reviewers, actor) for access_request in targets)


def _assign_one(access_request: AccessRequest, reviewers: list[User], actor: User) -> int:
    with REQUESTS.fire(
        access_request, A.ASSIGN, actor, RequestAudit.ACCESS_REQUEST_REVIEWERS_ASSIGNED
    ) as firing:
        access_request = firing.obj
        # A chair assigns members of the committee(s) they chair among the request's.
        voters: set[int] = set()
        for committee_id in chaired_committee_ids(actor, access_request):
            voters |= set(review_selectors.committee_voters(committee_id))
        strangers = [r.username for r in reviewers if r.pk not in voters]
        if strangers:
            raise ValidationError(
                "Reviewers must be members of the committee: " + ", ".join(strangers) + ".",
                details={"reviewers": [f"{name} is not a member." for name in strangers]},
            )
        recused = review_selectors.kept_out_ids(access_request)
        existing = set(
            ReviewAssignment.objects.filter(access_request=access_request).values_list(
                "reviewer_id", flat=True
            )
        )
        new = [r for r in reviewers if r.pk not in existing and r.pk not in recused]
        ReviewAssignment.objects.bulk_create(
            ReviewAssignment(
                access_request=access_request, reviewer=r, assigned_by=actor, assigned_at=firing.now
            )
            for r in new
        )
        firing.data.update(committee_only=True, reviewers=sorted(r.username for r in new))
        context = _notification_context(access_request)
        context["action_url"] = f"/review/{access_request.reference}/"
        for reviewer in new:
            notify(
                "access_request_review_assigned",
                reviewer,
                f"access_request.review_assigned:{access_request.reference}:{reviewer.pk}",
                context,
                actor,
            )
    return len(new)


# -- conflicts of interest, votes, notes ---------------------------------------------------


@workflow.MACHINE.handles(A.RECUSE)
def access_request_recuse(*, access_request: AccessRequest, reason: Any, actor: User) -> Recusal:
    """A member declares a conflict of interest. Their votes on the request are removed
    (they no longer count), and from now on they neither vote nor read the notes."""
    reason = _text(reason, "reason")

    # Asked before the workflow table, which would answer a second recusal with the 403
    # every act of a recused person gets: a repeat is a conflict with the state.
    def not_yet_recused(locked: AccessRequest) -> None:
        if review_selectors.is_recused(actor, locked):
            raise Conflict("You have already recused yourself.", code="already_recused")

    with REQUESTS.fire(
        access_request,
        A.RECUSE,
        actor,
        RequestAudit.ACCESS_REQUEST_RECUSED,
        precheck=not_yet_recused,
    ) as firing:
        access_request = firing.obj
        if not any(
            actor.pk in review_selectors.committee_voters(cid)
            for cid in request_committee_ids(access_request)
        ):
            raise PermissionDenied("Only members of the committee recuse themselves.")
        recusal = Recusal.objects.create(access_request=access_request, member=actor, reason=reason)
        votes_removed = Vote.objects.filter(access_request=access_request, voter=actor).delete()[0]
        ReviewAssignment.objects.filter(access_request=access_request, reviewer=actor).delete()
        _recount_voters(access_request)
        firing.data.update(committee_only=True, reason=reason, votes_removed=votes_removed)
    return recusal


@workflow.MACHINE.handles(A.WAIVE_CONFLICT)
def access_request_conflict_waive(
    *, access_request: AccessRequest, member: Any, reason: Any, actor: User
) -> ConflictWaiver:
    """A chair lets a member with a conflict the portal found (at the applicant's
    institution, or named as a collaborator) take part in the review after all, with a
    reason for the record. A chair with a conflict of their own is suspended from this
    (the workflow's `conflicted` mark), and nobody waives their own."""
    reason = _text(reason, "reason")
    with REQUESTS.fire(
        access_request, A.WAIVE_CONFLICT, actor, RequestAudit.ACCESS_REQUEST_CONFLICT_WAIVED
    ) as firing:
        access_request = firing.obj
        voters: set[int] = set()
        for committee_id in chaired_committee_ids(actor, access_request):
            voters |= set(review_selectors.committee_voters(committee_id))
        if not isinstance(member, User) or member.pk not in voters:
            raise ValidationError(
                "Name a member of the committee you chair.",
                details={"member": ["Not a member of your committee."]},
            )
        if member.pk == actor.pk:
            raise PermissionDenied("Nobody waives their own conflict of interest.")
        found = conflicts.conflict_reasons(member, access_request)
        if not found:
            raise Conflict(
                f"{member.username} has no conflict of interest with this request.",
                code="no_conflict",
            )
        if conflicts.is_waived(member, access_request):
            raise Conflict("This conflict is already waived.", code="already_waived")
        waiver = ConflictWaiver.objects.create(
            access_request=access_request,
            member=member,
            conflicts=found,
            reason=reason,
            granted_by=actor,
            granted_at=firing.now,
        )
        firing.data.update(
            committee_only=True, member=str(member.public_id), conflicts=found, reason=reason
        )
    return waiver


# long: per-dataset votes of several committees validated together before any is written
@workflow.MACHINE.handles(A.VOTE)
def access_request_vote(
    *,
    access_request: AccessRequest,
    vote: Any,
    rationale: Any,
    dataset: Any = None,
    actor: User,
) -> list[Vote]:
    """Cast or change a vote: on one dataset (`dataset` = accession), or, when none is
    named, on every undecided dataset the voter's committee(s) decide. A dataset another
    committee decides is refused (403 `other_committee`). Changeable until the decision
    (of that dataset: a decided dataset answers 409)."""
    if vote not in VoteChoice.values:
        raise ValidationError(
            "Vote approve, reject or abstain.", details={"vote": [f"One of {VoteChoice.values}."]}
        )
    rationale = _text(rationale, "rationale")
    if dataset is not None and (not isinstance(dataset, str) or "\x00" in dataset):
        raise ValidationError("Unknown dataset.", details={"dataset": ["Invalid accession."]})
    with REQUESTS.fire(
        access_request, A.VOTE, actor, RequestAudit.ACCESS_REQUEST_VOTE_CAST
    ) as firing:
        access_request = firing.obj
        committees = _voting_committees(access_request, actor)
        rows = _rows_by_accession(access_request)
        if dataset:
            if dataset not in rows:
                raise ValidationError(
                    f"{dataset} is not part of this request.",
                    details={"dataset": [f"Not requested: {dataset}."]},
                )
            chosen = [rows[dataset]]
            if _committee_of(chosen[0], access_request) not in committees:
                raise _other_committee([dataset])
            if chosen[0].decision:
                raise Conflict(
                    f"{dataset} is already decided: votes on it no longer change.",
                    code="already_decided",
                    details={"datasets": [dataset]},
                )
        else:
            chosen = [
                row
                for row in rows.values()
                if _committee_of(row, access_request) in committees and not row.decision
            ]
            if not chosen:
                raise Conflict(
                    "Every dataset you vote on is already decided.", code="already_decided"
                )
        now = firing.now
        result = []
        changed = {}
        for row in chosen:
            existing = Vote.objects.filter(requested_dataset=row, voter=actor).first()
            if existing is None:
                existing = Vote.objects.create(
                    access_request=access_request,
                    requested_dataset=row,
                    voter=actor,
                    vote=vote,
                    rationale=rationale,
                    cast_at=now,
                    updated_at=now,
                )
                changed[row.dataset.accession] = {"old": None, "new": vote}
            else:
                changed[row.dataset.accession] = {"old": existing.vote, "new": vote}
                existing.vote = vote
                existing.rationale = rationale
                existing.updated_at = now
                existing.save(update_fields=["vote", "rationale", "updated_at"])
            result.append(existing)
        _recount_voters(access_request)
        firing.data.update(committee_only=True, votes=changed, rationale=rationale)
    return result


@workflow.MACHINE.handles(A.COMMENT)
def access_request_note_add(
    *, access_request: AccessRequest, body: Any, actor: User
) -> CommitteeNote:
    """A committee-only note, kept with the author's committee: on a request that spans
    several committees, only the people of that committee read it (the lead committee
    when the author sits on more than one of them)."""
    body = _text(body, "note", limit=10_000)
    with REQUESTS.fire(
        access_request, A.COMMENT, actor, RequestAudit.ACCESS_REQUEST_NOTE_ADDED
    ) as firing:
        access_request = firing.obj
        if Recusal.objects.filter(access_request=access_request, member_id=actor.pk).exists():
            raise PermissionDenied("You recused yourself from this request.", code="recused")
        committees = my_committee_ids(actor, access_request)
        if not committees:
            raise PermissionDenied("Only the committee's people add notes.")
        note = CommitteeNote.objects.create(
            access_request=access_request, author=actor, body=body, committee_id=committees[0]
        )
        # The note's text stays in its own table: the audit log, which auditors export,
        # records only that a note was added.
        firing.data.update(
            committee_only=True,
            note=note.pk,
            length=len(body),
            committee=note.committee.slug if note.committee else None,
        )
    return note


# -- chair actions -------------------------------------------------------------------------


@workflow.MACHINE.handles(A.REQUEST_CHANGES)
def access_request_request_changes(
    *, access_request: AccessRequest, message: Any, actor: User
) -> AccessRequest:
    """The chair sends the request back to the applicant with a message; the applicant
    edits and resubmits (access_requests.services.access_request_resubmit)."""
    message = _text(message, "message")
    with REQUESTS.fire(
        access_request, A.REQUEST_CHANGES, actor, RequestAudit.ACCESS_REQUEST_CHANGES_REQUESTED
    ) as firing:
        access_request = firing.obj
        firing.advance()
        if access_request.first_response_at is None:  # the committee's first answer
            access_request.first_response_at = firing.now
        firing.data.update(message=message, revision=access_request.revision)
        notify(
            "access_request_changes_requested",
            access_request.applicant,
            f"access_request.changes_requested:{access_request.reference}:r{access_request.revision}",
            {**_notification_context(access_request), "message": message},
            actor,
        )
    return access_request


def _clean_decisions(value: Any, accessions: list[str]) -> dict[str, dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise ValidationError(
            "Give a decision for each dataset.", details={"decisions": ["A non-empty list."]}
        )
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, dict[str, Any]] = {}
    for entry in value:
        if not isinstance(entry, dict):
            raise ValidationError("Invalid decision.", details={"decisions": ["Objects only."]})
        unknown = sorted(set(entry) - {"dataset", "decision", "reason", "conditions"})
        accession = entry.get("dataset")
        if (
            unknown
            or not isinstance(accession, str)
            or accession not in accessions
            or accession in cleaned
        ):
            key = accession if isinstance(accession, str) and "\x00" not in accession else "dataset"
            errors.setdefault(key, []).append(
                "Unknown fields." if unknown else "Not a dataset of this request, or named twice."
            )
            continue
        decision = entry.get("decision")
        if decision not in (voting.APPROVED, voting.REJECTED):
            errors.setdefault(accession, []).append("Choose approve or reject.")
            continue
        try:
            reason = _text(entry.get("reason"), "reason", required=decision == voting.REJECTED)
        except ValidationError:
            errors.setdefault(accession, []).append(
                "A rejection needs a reason."
                if decision == voting.REJECTED
                else "The reason must be text of at most 5000 characters."
            )
            continue
        conditions = entry.get("conditions") or []
        if isinstance(conditions, str):
            conditions = [conditions]
        if (
            not isinstance(conditions, list)
            or len(conditions) > 50
            or not all(isinstance(c, str) and "\x00" not in c and len(c) <= 500 for c in conditions)
        ):
            errors.setdefault(accession, []).append("Conditions are a list of short texts.")
            continue
        if decision == voting.REJECTED and conditions:
            errors.setdefault(accession, []).append("Only an approval carries conditions.")
            continue
        cleaned[accession] = {
            "decision": decision,
            "reason": reason,
            "conditions": [c.strip() for c in conditions if c.strip()],
        }
    missing = [a for a in accessions if a not in cleaned and a not in errors]
    for accession in missing:
        errors.setdefault(accession, []).append("Decide every dataset of your committee.")
    if errors:
        raise ValidationError(DECISIONS_INCOMPLETE, details=errors)
    return cleaned


def _named(decisions: Any) -> list[str]:
    """The accessions a decision body names (junk is left for _clean_decisions)."""
    if not isinstance(decisions, list):
        return []
    return [
        entry["dataset"]
        for entry in decisions
        if isinstance(entry, dict) and isinstance(entry.get("dataset"), str)
    ]


def _rows_to_decide(
    access_request: AccessRequest, decisions: Any, actor: User
) -> tuple[dict[str, RequestedDataset], set[int], dict[str, RequestedDataset]]:
    """The request's datasets, the committees the caller decides for now, and the open
    datasets of those committees. Refuses another committee's datasets (403) and datasets
    already decided (409)."""
    rows = _rows_by_accession(access_request)
    chaired = chaired_committee_ids(actor, access_request)
    named = [a for a in _named(decisions) if a in rows]
    foreign = sorted({a for a in named if _committee_of(rows[a], access_request) not in chaired})
    if foreign:
        raise _other_committee(foreign)
    already = sorted({a for a in named if rows[a].decision})
    if already:
        raise Conflict(
            "Already decided: " + ", ".join(already) + ".",
            code="already_decided",
            details={"datasets": already},
        )
    deciding = {_committee_of(rows[a], access_request) for a in named} or {
        _committee_of(row, access_request)
        for row in rows.values()
        if not row.decision and _committee_of(row, access_request) in chaired
    }
    if not deciding:
        raise Conflict(
            "Your committee has decided every dataset it decides.", code="already_decided"
        )
    open_rows = {
        a: row
        for a, row in rows.items()
        if not row.decision and _committee_of(row, access_request) in deciding
    }
    return rows, deciding, open_rows


def _refuse_unless_decidable(
    access_request: AccessRequest,
    open_rows: dict[str, RequestedDataset],
    cleaned: dict[str, dict[str, Any]],
) -> dict[str, int | None]:
    """Refuse (409) a decision short of quorum, against the consent, pending re-consent,
    or against the committee's voting rule; returns the consent-scope version each
    decision used."""
    tallies = review_selectors.tallies(access_request)
    purpose = purpose_parse(access_request.purpose)
    short: dict[str, Any] = {}
    against: dict[str, Any] = {}
    blocked: dict[str, Any] = {}
    versions: dict[str, int | None] = {}
    for accession, row in open_rows.items():
        tally = tallies[row.pk]
        if not tally.quorum_met:
            short[accession] = tally.as_dict()
            continue
        wanted = cleaned[accession]["decision"]
        if wanted not in tally.allowed:
            against[accession] = tally.as_dict()
        evaluation = consent_evaluate_dataset(dataset=row.dataset, purpose=purpose)
        versions[accession] = evaluation.scope_version
        if wanted == voting.APPROVED and "incompatible" in (
            row.consent_result,
            evaluation.result,
        ):
            blocked[accession] = {
                "result": "incompatible",
                "reasons": [dict(r) for r in evaluation.reasons],
            }
    if short:
        numbers = "; ".join(
            f"{a}: {t['voted']} of {t['quorum']} votes needed "
            f"({t['eligible']} eligible, {t['recused']} recused)"
            for a, t in short.items()
        )
        raise Conflict(
            f"The quorum is not reached: {numbers}.",
            code="quorum_not_met",
            details={"datasets": short},
        )
    if blocked:
        raise Conflict(
            "The participants' consent does not allow this purpose for "
            + ", ".join(sorted(blocked))
            + ": it cannot be approved.",
            code="consent_incompatible",
            details={"datasets": blocked},
        )
    # Participants who must consent again (e.g. minors now adults) block new approvals
    # of their dataset until its stewards clear the flag (consent.reconsent).
    refuse_if_reconsent_pending(
        row.dataset
        for accession, row in open_rows.items()
        if cleaned[accession]["decision"] == voting.APPROVED
    )
    if against:
        raise Conflict(
            "The decision does not follow the committee's voting rule for "
            + ", ".join(sorted(against))
            + ".",
            code="decision_against_votes",
            details={"datasets": against},
        )
    return versions


def _record_decisions(
    open_rows: dict[str, RequestedDataset],
    cleaned: dict[str, dict[str, Any]],
    versions: dict[str, int | None],
    now: Any,
) -> None:
    for accession, row in open_rows.items():
        chosen = cleaned[accession]
        row.decision = chosen["decision"]
        row.decision_reason = chosen["reason"]
        row.decision_conditions = chosen["conditions"]
        row.decision_scope_version = versions[accession]
        row.decided_at = now
    RequestedDataset.objects.bulk_update(
        list(open_rows.values()),
        [
            "decision",
            "decision_reason",
            "decision_conditions",
            "decision_scope_version",
            "decided_at",
        ],
    )


def _tell_the_applicant_of_the_decision(
    access_request: AccessRequest,
    committees: dict[int, Committee],
    cleaned: dict[str, dict[str, Any]],
    pending: list[str],
    actor: User,
    *,
    receipt_seq: int,
) -> None:
    context = _notification_context(access_request)
    dedupe = f"access_request.decided:{access_request.reference}"
    if pending or len(request_committee_ids(access_request)) > 1:
        context["committee_name"] = ", ".join(c.name for c in committees.values())
        dedupe += ":" + "+".join(sorted(c.slug for c in committees.values()))
        dedupe += f":r{access_request.revision}"
    notify(
        "access_request_decided",
        access_request.applicant,
        dedupe,
        {
            **context,
            "outcome": progress.outcome_of(access_request),
            # A rejection may be appealed within the committee's window (appeals).
            "appeal_days": access_request.committee.appeal_window_days
            if access_request.status == workflow.Status.REJECTED and access_request.committee
            else None,
            "pending": pending,
            "decisions": [
                {
                    "accession": a,
                    "decision": c["decision"],
                    "reason": c["reason"],
                    "conditions": c["conditions"],
                }
                for a, c in cleaned.items()
            ],
        },
        actor,
        receipt_seq=receipt_seq,
    )


def access_request_decision_preview(
    *, access_request: AccessRequest, decisions: Any, actor: User
) -> dict[str, dict[str, Any]]:
    """Everything access_request_decide checks, with nothing written and nothing locked:
    the decisions as they would be recorded, for the chair's confirmation step. The same
    refusals (400/403/409) as the decision itself; the decision checks again under its
    lock, so a vote cast in between is still counted."""
    workflow.MACHINE.check(access_request.status, A.DECIDE, workflow_roles(actor, access_request))
    _rows, _deciding, open_rows = _rows_to_decide(access_request, decisions, actor)
    cleaned = _clean_decisions(decisions, list(open_rows))
    _refuse_unless_decidable(access_request, open_rows, cleaned)
    return cleaned


def _decision_receipt(
    access_request: AccessRequest, cleaned: dict[str, dict[str, Any]], decision: Any
) -> Any:
    """The applicant's receipt of the decision (audit/receipts.py): what they are told."""
    return receipt_record(
        kind=ReceiptKind.DECISION,
        reference=access_request.reference,
        outcome={
            "status": str(access_request.status),
            "datasets": {a: str(c["decision"]) for a, c in cleaned.items()},
        },
        decision=decision,
    )


@workflow.MACHINE.handles(A.DECIDE)
def access_request_decide(
    *, access_request: AccessRequest, decisions: Any, actor: User
) -> AccessRequest:
    """A chair records their committee's decision on every dataset that committee decides.

    Refused (nothing written) when: a dataset named belongs to a committee the caller
    does not chair (403 `other_committee`) or is already decided (409 `already_decided`);
    a dataset of the committee is left out, or a rejection has no reason (400; a check
    constraint guards it as well); a dataset whose consent evaluation is `incompatible` (at
    submission, or now against its current scope) or with an open re-consent flag
    (409 `reconsent_pending`) would be approved; a dataset has
    not reached its committee's quorum (409, with the numbers); the decision contradicts
    that committee's voting rule (409, with the tally). Records the consent-scope version
    each decision used. While another committee's datasets are undecided the request stays
    `under_review` (the applicant is told the decisions so far); once every dataset is
    decided the request becomes `approved` when at least one dataset is, `rejected`
    otherwise, and the pending grants are prepared in the same transaction (agreements).
    """
    with transaction.atomic():
        with REQUESTS.fire(
            access_request, A.DECIDE, actor, RequestAudit.ACCESS_REQUEST_DECIDED
        ) as firing:
            access_request = firing.obj
            rows, deciding, open_rows = _rows_to_decide(access_request, decisions, actor)
            cleaned = _clean_decisions(decisions, list(open_rows))
            versions = _refuse_unless_decidable(access_request, open_rows, cleaned)

            now = firing.now
            _record_decisions(open_rows, cleaned, versions, now)
            access_request.first_response_at = access_request.first_response_at or now
            CommitteeRoute.objects.filter(
                access_request=access_request, committee_id__in=deciding
            ).update(decided_at=now)
            committees = {
                c.pk: c for c in Committee.objects.filter(pk__in=deciding).order_by("name")
            }
            pending = sorted(a for a, row in rows.items() if not row.decision)
            approved = False
            if not pending:
                approved = any(row.decision == voting.APPROVED for row in rows.values())
                firing.advance(workflow.Status.APPROVED if approved else workflow.Status.REJECTED)
                access_request.decided_at = now
            else:
                # Another committee still decides: the request stays under review.
                firing.hold()
                access_request.updated_at = now
            firing.data["decisions"] = {
                a: {**c, "scope_version": versions[a]} for a, c in cleaned.items()
            }
            if len(request_committee_ids(access_request)) > 1:
                # A request spanning committees: which committee decided, and what is left.
                firing.data["committees"] = sorted(c.slug for c in committees.values())
                firing.data["pending"] = pending
        receipt = _decision_receipt(access_request, cleaned, firing.event)
        if not pending:
            # The request is decided: its outside reviewers' access ends with the review.
            outside.outside_reviewers_end_for_request(
                access_request=access_request, reason=OutsideReviewerEnd.DECIDED, actor=actor
            )
        # After the decision's audit event, in the same transaction: the grants it makes
        # (and their events) follow it in the log, and fall with it if they fail.
        if approved:
            events.publish(DatasetsApproved(access_request=access_request, actor=actor))
        events.publish(
            RequestDecided(
                access_request=access_request,
                committee_ids=tuple(sorted(committees)),
                decisions={a: str(c["decision"]) for a, c in cleaned.items()},
            )
        )
        _tell_the_applicant_of_the_decision(
            access_request, committees, cleaned, pending, actor, receipt_seq=receipt.seq
        )
    return access_request


# -- overdue reviews (a periodic job) ------------------------------------------------------


# -- batch decisions ----------------------------------------------------------------------

BATCH_LIMIT = 100


@dataclass(frozen=True)
class BatchOutcome:
    """What became of one request of a batch decision."""

    reference: str
    decided: bool
    message: str = ""
    code: str = ""


def _batch_entries(
    access_request: AccessRequest, actor: User, decision: str, reason: str, conditions: list[str]
) -> list[dict[str, Any]]:
    """The one decision, on every undecided dataset of the committees `actor` chairs."""
    chaired = chaired_committee_ids(actor, access_request)
    extra = {"conditions": conditions} if decision == voting.APPROVED else {}
    return [
        {"dataset": row.dataset.accession, "decision": decision, "reason": reason, **extra}
        for row in RequestedDataset.objects.filter(access_request=access_request, decision="")
        .select_related("dataset")
        .order_by("position", "id")
        if review_selectors.row_committee_id(row, access_request) in chaired
    ]


def batch_decision_check(*, decision: Any, reason: Any, conditions: Any, count: int) -> str:
    """Refuse a batch decision that cannot be right for any request (before anything is
    written, and before the confirmation page): returns the cleaned reason."""
    errors: dict[str, list[str]] = {}
    if decision not in (voting.APPROVED, voting.REJECTED):
        errors["decision"] = ["Choose approve or reject."]
    reason = _text(reason, "reason", required=False)
    if decision == voting.REJECTED and not reason:
        errors["reason"] = ["A rejection needs a reason."]
    if decision == voting.REJECTED and conditions:
        errors["conditions"] = ["Only an approval carries conditions."]
    if not 0 < count <= BATCH_LIMIT:
        errors["requests"] = [f"Choose between 1 and {BATCH_LIMIT} requests."]
    if errors:
        raise ValidationError("The batch decision is not complete.", details=errors)
    return reason


def access_requests_decide_batch(
    *,
    access_requests: list[AccessRequest],
    decision: Any,
    reason: Any,
    conditions: Any = None,
    actor: User,
) -> list[BatchOutcome]:
    """One decision with one reason for several requests (the EGA portal's batch apply):
    each request is decided by `access_request_decide`, in its own transaction with its
    own audit event, on every undecided dataset of the committees the chair chairs. A
    request the service refuses (quorum not met, the chair recused or conflicted, a pause
    for re-consent) is reported with the reason and left as it was; the others are
    decided."""
    conditions = conditions or []
    if not isinstance(conditions, list):
        conditions = [conditions]
    reason = batch_decision_check(
        decision=decision, reason=reason, conditions=conditions, count=len(access_requests)
    )
    outcomes = []
    for access_request in access_requests:
        entries = _batch_entries(access_request, actor, decision, reason, conditions)
        if not entries:
            outcomes.append(
                BatchOutcome(
                    access_request.reference,
                    False,
                    "Nothing of this request is yours to decide now.",
                    "nothing_to_decide",
                )
            )
            continue
        try:
            access_request_decide(access_request=access_request, decisions=entries, actor=actor)
        except ApplicationError as exc:
            outcomes.append(BatchOutcome(access_request.reference, False, exc.message, exc.code))
        else:
            outcomes.append(BatchOutcome(access_request.reference, True))
    return outcomes


def reviews_remind_overdue(now: Any, *, dry_run: bool = False) -> dict[str, Any]:
    """Requests under review past a committee's target that the committee has not decided
    yet: remind that committee's reviewers who have not recused and its chairs, once per
    request, person and day (the outbox's dedupe key). On a request spanning committees,
    each committee is reminded against its own target, and not once it has decided its
    datasets. Computed from state, so a worker that was down catches up."""
    routes = list(
        CommitteeRoute.objects.filter(
            status=workflow.Status.UNDER_REVIEW,
            review_due_at__lt=now,
            decided_at__isnull=True,
        )
        .select_related("access_request__applicant", "access_request__committee", "committee")
        .order_by("review_due_at", "access_request_id", "committee_id")
    )
    sent = 0
    references: list[str] = []
    for route in routes:
        access_request = route.access_request
        if access_request.reference not in references:
            references.append(access_request.reference)
        if dry_run:
            continue
        # The committee's own people: the reminder links to the review page, which outside
        # reviewers never see.
        recipients = review_selectors.eligible_voter_ids(
            access_request, route.committee_id, outside=False
        ) - review_selectors.kept_out_ids(access_request)
        due = route.review_due_at
        days = (now - due).days if due else 0
        context = {
            **_notification_context(access_request),
            "days_overdue": days,
            "action_url": f"/review/{access_request.reference}/",
        }
        with transaction.atomic():
            for user in User.objects.filter(pk__in=recipients, is_active=True):
                if notify(
                    "access_request_review_overdue",
                    user,
                    f"access_request.review_overdue:{access_request.reference}:{user.pk}:"
                    f"{now.date().isoformat()}",
                    context,
                    None,  # type: ignore[arg-type]
                ):
                    sent += 1
    return {"overdue": len(references), "notifications": sent, "references": references[:50]}


REVIEW_OVERDUE_SCHEDULE = timedelta(hours=6)
