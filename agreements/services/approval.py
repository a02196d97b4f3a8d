"""Approval: the pending grants and the agreement prepared when a committee approves datasets."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from access_requests.models import AccessRequest, Collaborator, RequestedDataset
from accounts.models import User
from agreements import rendering
from agreements.audit_actions import AgreementAudit
from agreements.models import (
    Agreement,
    AgreementTemplate,
    Grant,
)
from agreements.selectors import consent_condition_codes, current_template, policy_for
from agreements.services._common import (
    DEFAULT_TEMPLATE_BODY,
    DEFAULT_TEMPLATE_TITLE,
    SYSTEM,
)
from agreements.services.collaborators import collaborators_invite
from agreements.services.templates import agreement_template_create
from audit.services import audit_record
from consent.rendering import condition_text
from dac_portal.errors import Conflict
from notifications.services import notify


def _condition_text(condition: Any) -> str:
    if isinstance(condition, dict):
        parts = [str(condition.get(k)) for k in ("code", "text", "description") if condition.get(k)]
        return " — ".join(parts) or str(condition)
    return str(condition)


def _agreement_values(  # type: ignore[no-untyped-def]
    access_request: AccessRequest, rows: list[RequestedDataset], days: int, committee: Any
):
    applicant = access_request.applicant
    conditions: list[str] = []
    for row in rows:
        # The participants' consent binds first: its conditions (PUB, IRB, COL, MOR…) in
        # words, then the committee's own.
        for code in consent_condition_codes(row):
            text = (
                f"{row.dataset.accession}: {condition_text(code)} ({code}, participants' consent)"
            )
            if text not in conditions:
                conditions.append(text)
        for condition in row.decision_conditions or []:
            text = f"{row.dataset.accession}: {_condition_text(condition)}"
            if text not in conditions:
                conditions.append(text)
    # The agreement names people: a linked account by its name, a username no usable
    # account holds as typed and marked as not covered (only accounts get grants). By now
    # the committee has reviewed the list (docs/access-requests.md, "Collaborators").
    collaborators = [
        str(c.user.get_full_name() or c.user.username)
        if c.user is not None
        else (
            f"{c.username} (no portal account: not covered)"
            if c.username
            else f"{c.name} ({c.institution_name})"
        )
        for c in Collaborator.objects.filter(access_request=access_request).select_related("user")
    ]
    return {
        "reference": access_request.reference,
        "title": access_request.title,
        "applicant": applicant.get_full_name() or applicant.username,
        "institution": access_request.institution.name if access_request.institution else "",
        "committee": committee.name if committee else "",
        "datasets": rendering.markdown_list(
            [f"{row.dataset.accession} — {row.dataset.title}" for row in rows]
        ),
        "conditions": rendering.markdown_list(conditions),
        "collaborators": rendering.markdown_list(collaborators),
        "access_days": str(days),
        "date": f"{timezone.localdate():%Y-%m-%d}",
    }


def _template_for(committee: Any) -> AgreementTemplate:
    template = current_template(committee)
    if template is None:
        # A committee that never wrote its own agreement uses the portal's default text,
        # kept as its version 1 so every agreement names the template it came from.
        template = agreement_template_create(
            committee=committee,
            title=DEFAULT_TEMPLATE_TITLE,
            body=DEFAULT_TEMPLATE_BODY,
            actor=None,
        )
    return template


def _agreement_parts(
    access_request: AccessRequest, rows: list[RequestedDataset]
) -> list[tuple[Any, AgreementTemplate, list[RequestedDataset]]]:
    """(committee, its current template, its approved rows) for each committee that
    approved a dataset, in dataset order."""
    by_committee: dict[int, tuple[Any, list[RequestedDataset]]] = {}
    for row in rows:
        committee = row.committee or row.dataset.committee
        by_committee.setdefault(committee.pk, (committee, []))[1].append(row)
    return [(c, _template_for(c), part) for c, part in by_committee.values()]


def _agreement_text(
    access_request: AccessRequest,
    parts: list[tuple[Any, AgreementTemplate, list[RequestedDataset]]],
) -> str:
    """One agreement. For datasets of one committee: that committee's template, filled in.
    For a request whose approved datasets belong to several committees: one part per
    committee, each its own template filled with its own datasets, conditions and access
    period, under a heading naming the committee and the template version (ADR 0006)."""
    if len(parts) == 1:
        committee, template, part = parts[0]
        return rendering.fill(
            template.body,
            _agreement_values(access_request, part, committee.default_access_days, committee),
        )
    sections = [
        f"This agreement for {access_request.reference} has {len(parts)} parts: the datasets "
        "below were approved by different data access committees, and each part holds the "
        "terms of the committee that approved its datasets. Signing it accepts every part."
    ]
    for number, (committee, template, part) in enumerate(parts, start=1):
        body = rendering.fill(
            template.body,
            _agreement_values(access_request, part, committee.default_access_days, committee),
        )
        sections.append(
            f"## Part {number} of {len(parts)}: {committee.name} "
            f"(agreement template v{template.version})\n\n{body.strip()}"
        )
    return "\n\n---\n\n".join(sections) + "\n"


# long: one transaction that creates each committee's grants and the one agreement; its parts share
#   the locked rows
def grants_prepare_for_approval(
    *, access_request: AccessRequest, actor: User | None
) -> list[Grant]:
    """Create the pending grants and the agreement of an approved request.

    Contract (the committee decision service calls this inside its own transaction, after
    recording the per-dataset decisions): one `pending` grant per RequestedDataset whose
    decision is `approved` (holder = the applicant; the request's collaborators are covered
    by it), with the access period of the dataset's committee (`default_access_days`;
    the period starts when the grant becomes active), and the request's Agreement rendered
    from the committee's current template (its text filled with the request, datasets and
    conditions; its SHA-256 stored). When the approved datasets belong to several
    committees (a request spanning committees, ADR 0006) the one agreement has one part
    per committee, each from that committee's template with its datasets, conditions and
    access period; it needs a countersignature when any of those committees asks for one.
    The applicant is told to sign. Idempotent: calling it
    again creates nothing new and returns the request's grants. Audited `grant.created` per
    grant and `agreement.created`. `actor` is the deciding chair (None for setup code).
    """
    with transaction.atomic():
        access_request = (
            AccessRequest.objects.select_for_update(of=("self",))
            .select_related("committee", "institution", "applicant")
            .get(pk=access_request.pk)
        )
        committee = access_request.committee
        if committee is None:
            raise Conflict("The request has no committee.")
        rows = list(
            RequestedDataset.objects.filter(access_request=access_request, decision="approved")
            .select_related("dataset", "dataset__committee", "committee")
            .order_by("position", "id")
        )
        if not rows:
            raise Conflict("No dataset of this request is approved.", code="nothing_approved")
        existing = {
            g.requested_dataset_id: g for g in Grant.objects.filter(access_request=access_request)
        }
        created: list[Grant] = []
        for row in rows:
            if row.pk in existing:
                continue
            # The access period and oversight of the committee that decided the dataset.
            deciding = row.committee or row.dataset.committee
            days = deciding.default_access_days
            grant = Grant.objects.create(
                access_request=access_request,
                requested_dataset=row,
                dataset=row.dataset,
                committee=deciding,
                holder=access_request.applicant,
                access_days=days,
                conditions=list(row.decision_conditions or []),
            )
            created.append(grant)
            audit_record(
                actor=actor,
                system=None if actor else SYSTEM,
                action=AgreementAudit.GRANT_CREATED,
                target=grant,
                data={
                    "status": grant.status,
                    "request": access_request.reference,
                    "dataset": row.dataset.accession,
                    "access_days": days,
                    "conditions": grant.conditions,
                },
            )
        if not Agreement.objects.filter(access_request=access_request).exists():
            parts = _agreement_parts(access_request, rows)
            template = parts[0][1]
            text = _agreement_text(access_request, parts)
            agreement = Agreement.objects.create(
                access_request=access_request,
                template=template,
                template_version=template.version,
                text=text,
                text_sha256=rendering.sha256_hex(text),
                # The strictest policy of the committees involved.
                countersignature_required=any(
                    policy_for(c).countersignature_required for c, _t, _r in parts
                ),
            )
            audit_record(
                actor=actor,
                system=None if actor else SYSTEM,
                action=AgreementAudit.AGREEMENT_CREATED,
                target=agreement,
                data={
                    "template_version": template.version,
                    "templates": {c.slug: t.version for c, t, _r in parts},
                    "text_sha256": agreement.text_sha256,
                    "countersignature_required": agreement.countersignature_required,
                    "grants": [g.reference for g in created],
                },
            )
            notify(
                "agreement_ready",
                access_request.applicant,
                f"agreement.ready:{access_request.reference}",
                {
                    "reference": access_request.reference,
                    "title": access_request.title,
                    "committee_name": ", ".join(c.name for c, _t, _r in parts),
                    "action_url": f"/requests/{access_request.reference}/agreement/",
                },
                actor,
            )
            collaborators_invite(access_request=access_request, actor=actor)
        return list(Grant.objects.filter(access_request=access_request).order_by("id"))
