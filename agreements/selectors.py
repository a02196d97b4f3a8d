"""Reads of agreements, grants, sanctions and entitlements, filtered to what the caller may
see: an object the caller may not see raises NotFound, as one that does not exist."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from access_requests import conflicts, voting
from access_requests.models import RequestedDataset
from access_requests.selectors import access_request_get_for_user
from accounts.models import Committee
from accounts.permissions import can, is_admin
from accounts.roles import roles_of
from accounts.selectors import committee_voters
from agreements import doi, workflow
from agreements import findings_workflow as FW
from agreements.models import (
    Agreement,
    AgreementPolicy,
    AgreementTemplate,
    CollaboratorAccess,
    CollaboratorStatus,
    Findings,
    Grant,
    Renewal,
    RenewalVote,
    Sanction,
    WithdrawalNotice,
)
from agreements.rules import grant_visible_q
from audit.models import AuditEvent
from dac_portal.errors import NotFound
from dac_portal.tokens import digest_of_link

GRANT_REFERENCE_MAX = 14


def clean_param(value: Any, limit: int) -> str | None:
    """A query or path value fit for a lookup: None when it holds a NUL character, which
    PostgreSQL refuses in text and no real reference or accession contains."""
    text = str(value)[:limit]
    return None if "\x00" in text else text


def policy_for(committee: Committee) -> AgreementPolicy:
    """The committee's agreement policy; the defaults (unsaved) when it has none."""
    policy = AgreementPolicy.objects.filter(committee=committee).first()
    return policy or AgreementPolicy(committee=committee)


def committee_get(*, slug: str) -> Committee:
    committee = Committee.objects.filter(slug=clean_param(slug, 50)).first()
    if committee is None:
        raise NotFound("No such committee.")
    return committee


def current_template(committee: Committee) -> AgreementTemplate | None:
    return AgreementTemplate.objects.filter(committee=committee).order_by("-version").first()


def active_sanctions_q(now: datetime) -> Q:
    return Q(lifted_at__isnull=True, starts_at__lte=now) & (
        Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    )


def active_sanction_for(*, user: Any, now: datetime | None = None) -> Sanction | None:
    now = now or timezone.now()
    subject = Q(user=user)
    if getattr(user, "institution_id", None):
        subject |= Q(institution_id=user.institution_id)
    return (
        Sanction.objects.filter(subject & active_sanctions_q(now))
        .select_related("institution")
        .order_by("-imposed_at")
        .first()
    )


def submission_blocked_reason(*, user: Any) -> str | None:
    """A human sentence when an active sanction (on the user or on their institution)
    blocks new submissions; None otherwise. The request submission service calls this
    before submitting and refuses with the sentence."""
    sanction = active_sanction_for(user=user)
    return None if sanction is None else sanction_refusal(sanction)


def sanction_refusal(sanction: Sanction) -> str:
    """The sentence a researcher reads when `sanction` refuses their submission."""
    until = f" until {timezone.localtime(sanction.ends_at):%Y-%m-%d}" if sanction.ends_at else ""
    if sanction.institution_id:
        return (
            f"Your institution ({sanction.institution}) is under a sanction{until}, so its "
            f"researchers cannot submit new requests. Reason: {sanction.reason}"
        )
    return (
        f"You are under a sanction{until} and cannot submit new requests. Reason: {sanction.reason}"
    )


def _grant_queryset() -> QuerySet[Grant]:
    return Grant.objects.select_related(
        "dataset", "committee", "holder", "access_request", "access_request__institution"
    )


def grant_list_for_user(
    *, user: Any, status: str | None = None, dataset: str | None = None
) -> QuerySet[Grant]:
    """The grants the user may see, newest first, in a constant number of queries."""
    queryset = _grant_queryset().filter(grant_visible_q(user)).order_by("-created_at", "-id")
    if status:
        queryset = queryset.filter(status=status)
    if dataset:
        queryset = queryset.filter(dataset__accession=clean_param(dataset, 24))
    return queryset


def grant_get_for_user(*, user: Any, reference: str) -> Grant:
    grant = (
        _grant_queryset()
        .filter(grant_visible_q(user), reference=clean_param(reference, GRANT_REFERENCE_MAX))
        .prefetch_related("renewals", "progress_reports", "withdrawal_notices__withdrawal")
        .first()
    )
    if grant is None:
        raise NotFound("No such grant.")
    return grant


def agreement_get_for_user(*, user: Any, reference: str) -> Agreement:
    """The agreement of a request the user may see (404 when there is none yet)."""
    cleaned = clean_param(reference, 20)
    if cleaned is None:
        raise NotFound("No such access request.")
    access_request = access_request_get_for_user(user=user, reference=cleaned, full=False)
    agreement = (
        Agreement.objects.filter(access_request=access_request)
        .select_related(
            "access_request",
            "access_request__applicant",
            "access_request__institution",
            "access_request__committee",
            "signed_by",
            "countersigned_by",
        )
        .first()
    )
    if agreement is None:
        raise NotFound("This request has no agreement.")
    return agreement


def is_agreement_party(user: Any, agreement: Agreement) -> bool:
    """Who may download the signed copy: the applicant, the institution's signing
    officials, collaborators, and the committee's people."""
    access_request = agreement.access_request
    if access_request.applicant_id == user.pk:
        return True
    return can(user, "access_request.view", access_request)


def _usable_q(now: datetime, prefix: str = "") -> Q:
    """A grant that gives access right now: active and within its period. Checking the
    dates here too means an overdue expiry sweep never extends anyone's access."""
    return Q(
        **{
            f"{prefix}status": workflow.Status.ACTIVE,
            f"{prefix}starts_at__lte": now,
            f"{prefix}ends_at__gt": now,
        }
    )


def covered_collaborators(now: datetime) -> QuerySet[CollaboratorAccess]:
    """The collaborators the grants cover: those who signed, are still on the request, and
    are under no sanction in force (on them or on their institution). A sanctioned holder's
    grants are suspended by the sanction itself; a collaborator has no grant of their own
    to suspend, so the sanction is read here, where every entitlement and visa is."""
    in_force = Sanction.objects.filter(active_sanctions_q(now))
    return (
        CollaboratorAccess.objects.filter(status=CollaboratorStatus.SIGNED)
        .exclude(user_id__in=in_force.filter(user__isnull=False).values("user_id"))
        .exclude(
            user__institution_id__in=in_force.filter(institution__isnull=False).values(
                "institution_id"
            )
        )
    )


def _covering_q(user: Any, now: datetime) -> Q:
    signed = covered_collaborators(now).filter(user=user).values("access_request_id")
    return Q(holder=user) | Q(access_request_id__in=signed)


def grants_covering(*, user: Any, now: datetime) -> QuerySet[Grant]:
    """Grants that give `user` access now: as holder, or as a collaborator who signed the
    agreement and is still on the request."""
    return (
        Grant.objects.filter(_usable_q(now))
        .filter(_covering_q(user, now))
        .select_related("dataset", "committee")
        .order_by("ends_at", "id")
    )


def entitlements(*, now: datetime, user: Any = None, dataset: str | None = None) -> QuerySet[Grant]:
    """Active grants for a data host to enforce, with the users each covers (the holder
    and the signed collaborators, in `access_request.signed_collaborators`)."""
    queryset = (
        Grant.objects.filter(_usable_q(now))
        .select_related("dataset", "holder", "access_request")
        .prefetch_related(
            Prefetch(
                "access_request__collaborator_accesses",
                queryset=covered_collaborators(now).select_related("user"),
                to_attr="signed_collaborators",
            )
        )
        .order_by("dataset__accession", "id")
    )
    if user is not None:
        queryset = queryset.filter(_covering_q(user, now))
    if dataset:
        queryset = queryset.filter(dataset__accession=clean_param(dataset, 24))
    return queryset


def covered_people(grant_ids: list[int]) -> dict[int, list[tuple[Any, str]]]:
    """Each grant's people with their part, holder first: (user, "holder" or
    "collaborator"). Two queries for any number of grants (the webhooks of a sweep)."""
    grants = list(
        Grant.objects.filter(pk__in=grant_ids)
        .select_related("holder")
        .only("pk", "access_request_id", "holder__public_id")
    )
    by_request: dict[int, list[Any]] = {}
    signed = (
        covered_collaborators(timezone.now())
        .filter(access_request_id__in={g.access_request_id for g in grants})
        .select_related("user")
    )
    for access in signed.order_by("id"):
        by_request.setdefault(access.access_request_id, []).append(access.user)
    return {
        g.pk: [(g.holder, "holder")]
        + [(u, "collaborator") for u in by_request.get(g.access_request_id, [])]
        for g in grants
    }


def collaborators_of(*, access_request: Any) -> list[CollaboratorAccess]:
    """The request's invited collaborators with their status, in the form's order."""
    return list(
        CollaboratorAccess.objects.filter(access_request=access_request)
        .select_related("collaborator", "user")
        .order_by("collaborator__position", "id")
    )


def agreement_of_request(*, access_request_id: int) -> Agreement | None:
    """The request's agreement, for someone already allowed to see the request's part
    (a collaborator's page: the caller's access was checked by collaboration_get_for_user)."""
    return Agreement.objects.filter(access_request_id=access_request_id).first()


def grants_of_request(*, access_request: Any) -> list[Grant]:
    return list(
        Grant.objects.filter(access_request=access_request).select_related("dataset").order_by("id")
    )


def collaborations_to_sign(*, user: Any) -> list[CollaboratorAccess]:
    """The agreements `user` was invited to sign as a collaborator and has not yet."""
    return list(
        CollaboratorAccess.objects.filter(
            user=user, status=CollaboratorStatus.INVITED, access_request__status="approved"
        )
        .select_related("access_request", "access_request__applicant")
        .order_by("invited_at")
    )


def collaboration_get_for_user(*, user: Any, public_id: Any) -> CollaboratorAccess:
    """One collaborator's access, for the collaborator and whoever may see the request
    (404 for everyone else, as for a missing one)."""
    try:
        wanted = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound("No such collaborator.") from None
    access = (
        CollaboratorAccess.objects.filter(public_id=wanted)
        .select_related(
            "access_request",
            "access_request__applicant",
            "access_request__committee",
            "collaborator",
            "user",
        )
        .first()
    )
    if access is None or not can(user, "collaborator.view", access):
        raise NotFound("No such collaborator.")
    return access


def invitation_by_token(token: Any) -> tuple[CollaboratorAccess, str]:
    """The invitation an e-mailed link names, and the token's digest (404 for a link
    that is not, or no longer, valid: used, replaced by a newer one, or mistyped)."""
    digest = digest_of_link(token)
    access = (
        CollaboratorAccess.objects.filter(invitation_token_sha256=digest)
        .select_related("access_request", "access_request__applicant", "collaborator")
        .first()
    )
    if access is None:
        raise NotFound(
            "This invitation link is not valid: it was used already, replaced by a newer "
            "one, or mistyped."
        )
    return access, digest


def open_withdrawal_notices_for(*, user: Any) -> QuerySet[WithdrawalNotice]:
    return (
        WithdrawalNotice.objects.filter(holder=user, acknowledged_at__isnull=True)
        .select_related("grant", "grant__dataset", "withdrawal")
        .order_by("due_at")
    )


def withdrawal_notice_get_for_user(*, user: Any, grant: Grant, notice_id: Any) -> WithdrawalNotice:
    try:
        public_id = uuid.UUID(str(notice_id))
    except ValueError:
        raise NotFound("No such withdrawal notice.") from None
    notice = (
        WithdrawalNotice.objects.filter(grant=grant, public_id=public_id)
        .select_related("withdrawal", "grant")
        .first()
    )
    if notice is None:
        raise NotFound("No such withdrawal notice.")
    return notice


def sanction_list_for_user(*, user: Any) -> QuerySet[Sanction]:
    if not can(user, "sanction.manage"):
        return Sanction.objects.none()
    return Sanction.objects.select_related("user", "institution", "imposed_by").order_by(
        "-imposed_at"
    )


def sanction_get_for_user(*, user: Any, sanction_id: Any) -> Sanction:
    if not can(user, "sanction.manage"):
        raise NotFound("No such sanction.")
    try:
        public_id = uuid.UUID(str(sanction_id))
    except ValueError:
        raise NotFound("No such sanction.") from None
    sanction = Sanction.objects.filter(public_id=public_id).first()
    if sanction is None:
        raise NotFound("No such sanction.")
    return sanction


def grant_events(*, grant: Grant, user: Any = None) -> list[Any]:
    """The grant's timeline from the audit log (the expiry sweep writes one event per grant
    too). Events marked committee-only (the committee's votes on a renewal) are left out
    for anyone who is not on the grant's committee, the holder first of all."""
    # The committee's publishing of the grant's findings belongs to its story too.
    findings_ids = [str(f) for f in grant.findings.values_list("public_id", flat=True)]
    events = (
        AuditEvent.objects.filter(
            Q(object_type="grant", object_id=grant.reference)
            | Q(object_type="findings", object_id__in=findings_ids)
        )
        .select_related("actor")
        .order_by("seq")
    )
    insider = user is not None and (
        is_admin(user) or grant.committee_id in roles_of(user).committees
    )
    if not insider:
        # has_key first: `committee_only = true` is NULL in SQL for rows without the key.
        events = events.exclude(Q(data__has_key="committee_only") & Q(data__committee_only=True))
    return list(events)


def renewal_tally(renewal: Renewal) -> voting.Tally:
    """The committee's votes on a renewal, by its voting rule and quorum: the pure rule of
    a request's review (access_requests.voting), so that the page, the API and the chair's
    decision read one answer. Members in conflict with the request count as recused."""
    committee = renewal.grant.committee
    voters = set(committee_voters(committee.pk))
    votes = dict(RenewalVote.objects.filter(renewal=renewal).values_list("voter_id", "vote"))
    return voting.tally(
        rule=committee.voting_rule,
        quorum=committee.quorum,
        eligible=voters,
        # Kept out as in the request's review: a conflict of interest the portal finds.
        recused=conflicts.conflicted_ids(renewal.grant.access_request, voters),
        votes=votes,
    )


def renewal_votes(renewal: Renewal) -> list[RenewalVote]:
    """Who voted how on a renewal, and why, in the order the votes were cast: for the
    committee's eyes only (the caller checks), never the holder's."""
    return list(renewal.votes.select_related("voter").order_by("cast_at", "id"))


def agreements_awaiting(*, user: Any) -> dict[str, list[Agreement]]:
    """Agreements waiting for this person: to sign (their approved requests) and to
    countersign (approved requests of the institutions they sign for)."""

    base = Agreement.objects.filter(access_request__status="approved").select_related(
        "access_request", "access_request__applicant"
    )
    to_sign = list(
        base.filter(access_request__applicant=user, signed_at__isnull=True).order_by("created_at")
    )
    institutions = list(roles_of(user).official_for)
    to_countersign = (
        list(
            base.filter(
                access_request__institution_id__in=institutions,
                countersignature_required=True,
                signed_at__isnull=False,
                countersigned_at__isnull=True,
            ).order_by("signed_at")
        )
        if institutions
        else []
    )
    return {"to_sign": to_sign, "to_countersign": to_countersign}


def consent_condition_codes(row: RequestedDataset) -> list[str]:
    """The conditions the consent evaluation found for this dataset and purpose (DUO
    modifier codes), as recorded when the request was submitted."""
    evaluation = row.consent_evaluation or {}
    codes = evaluation.get("conditions") or []
    return [str(code) for code in codes if isinstance(code, str | int)]


def grant_consent_conditions(grant: Grant) -> list[str]:
    """The consent conditions of the grant's dataset for its request's purpose."""
    row = RequestedDataset.objects.filter(
        access_request_id=grant.access_request_id, dataset_id=grant.dataset_id
    ).first()
    return consent_condition_codes(row) if row else []


# -- findings ----------------------------------------------------------------------------------


def grant_findings(*, grant: Grant, roles: frozenset[str]) -> list[dict[str, Any]]:
    """The grant's findings for its page, oldest first, each with its DOIs as links and
    what the reader (holding `roles` towards the grant) may do with it."""
    rows = Findings.objects.filter(grant=grant).select_related(
        "progress_report", "close_out", "published_by"
    )
    return [
        {
            "findings": f,
            "from_close_out": f.close_out_id is not None,
            "doi_links": [(d, doi.doi_url(d)) for d in f.dois],
            "actions": FW.MACHINE.allowed_actions(f.status, roles),
        }
        for f in rows.order_by("submitted_at", "id")
    ]


def findings_get(*, grant: Grant, findings_id: Any) -> Findings:
    """Findings of a grant the caller may see (the caller's grant_get_for_user), or 404."""
    try:
        public_id = uuid.UUID(str(findings_id))
    except ValueError:
        raise NotFound("No such findings.") from None
    found = Findings.objects.filter(grant=grant, public_id=public_id).first()
    if found is None:
        raise NotFound("No such findings.")
    return found
