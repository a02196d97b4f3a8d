"""Collaborators as people: each one listed on an approved request is invited, signs the
agreement text themselves, and is covered by the request's grants until they are removed
or leave (agreements/collaborator_workflow.py has the table; docs/data-hosts.md,
"Collaborators", says what hosts are told).

An e-mail invitation carries a single-use link whose token only the e-mail holds (the row
keeps its SHA-256); it is accepted only by an account with the invited address, so a
forwarded link is of no use to anyone else.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from access_requests.models import AccessRequest, Collaborator
from access_requests.rules import request_committee_ids
from accounts.models import Committee, User
from accounts.training import require_training
from agreements import collaborator_workflow as CW
from agreements import selectors
from agreements.audit_actions import AgreementAudit
from agreements.events import CollaboratorAccessChanged
from agreements.models import Agreement, CollaboratorAccess
from agreements.rules import collaborator_roles
from agreements.services._common import _client_ip, _text
from agreements.services.signing import check_text, request_still_approved
from audit.services import audit_record
from dac_portal import events
from dac_portal.actions import Aggregate, Firing
from dac_portal.errors import Conflict, NotFound, PermissionDenied, ValidationError
from dac_portal.tokens import new_link_token
from notifications.services import Addressee, notify, notify_address

INVITATION_LIFETIME = timedelta(days=30)


def _lock_access(access: CollaboratorAccess) -> CollaboratorAccess:
    return (
        CollaboratorAccess.objects.select_for_update(of=("self",))
        .select_related("access_request", "access_request__applicant", "collaborator", "user")
        .get(pk=access.pk)
    )


def _advance(access: CollaboratorAccess, action: str, now: datetime, outcome: str | None) -> str:
    old = access.status
    new = CW.next_status(old, action)
    if new != old:
        access.status = new
        access.status_changed_at = now
    return old


def _announce(firing: Firing[CollaboratorAccess]) -> None:
    events.publish(
        CollaboratorAccessChanged(
            firing.obj.pk, firing.old_status, firing.obj.status, str(firing.audit_action)
        )
    )


# How an action is fired on a collaborator's access (dac_portal/actions.py): lock, check
# the table for the actor's roles, let the handler work, move, save, audit, announce.
COLLABORATORS: Aggregate[CollaboratorAccess] = Aggregate(
    machine=CW.MACHINE,
    lock=_lock_access,
    roles=collaborator_roles,
    advance=_advance,
    record=audit_record,
    after=_announce,
)


def _new_invitation(access: CollaboratorAccess, now: datetime) -> str | None:
    """A fresh link for an e-mail invitation (the old one stops working); None for a
    collaborator who already has an account on the access (they are told in the portal)."""
    if access.user_id is not None:
        access.invitation_token_sha256 = ""
        access.invitation_expires_at = None
        return None
    token, access.invitation_token_sha256 = new_link_token()
    access.invitation_expires_at = now + INVITATION_LIFETIME
    return token


def _send_invitation(access: CollaboratorAccess, token: str | None, actor: User | None) -> None:
    access_request = access.access_request
    applicant = access_request.applicant
    context = {
        "reference": access_request.reference,
        "title": access_request.title,
        "applicant_name": applicant.get_full_name() or applicant.username,
        "expires_on": (
            f"{timezone.localtime(access.invitation_expires_at):%Y-%m-%d}"
            if access.invitation_expires_at
            else ""
        ),
        "action_url": (
            f"/collaborations/invitations/{token}/"
            if token
            else f"/collaborations/{access.public_id}/"
        ),
    }
    key = f"collaborator.invited:{access.public_id}:{timezone.now().isoformat()}"
    if access.user is not None:
        notify("collaborator_invited", access.user, key, context, actor)
    else:
        addressee = Addressee(name=access.collaborator.name or access.email, email=access.email)
        notify_address("collaborator_invited", addressee, key, context, actor)


def collaborators_invite(*, access_request: AccessRequest, actor: User | None) -> list[Any]:
    """Invite each collaborator of an approved request who can be reached (an account
    picked by username, or an e-mail address) to sign its agreement; named collaborators
    with neither stay on the list, covered by nothing. Runs inside the approval's
    transaction (grants_prepare_for_approval); idempotent."""
    now = timezone.now()
    invited = []
    listed = Collaborator.objects.filter(access_request=access_request, access__isnull=True)
    for collaborator in listed.select_related("user").order_by("position", "id"):
        email = (collaborator.email or "").strip().lower()
        if collaborator.user_id is None and not email:
            continue
        access = CollaboratorAccess(
            access_request=access_request,
            collaborator=collaborator,
            user=collaborator.user,
            email="" if collaborator.user_id else email,
            invited_at=now,
            status_changed_at=now,
        )
        token = _new_invitation(access, now)
        access.save()
        audit_record(
            actor=actor,
            system=None if actor else "agreements",
            action=AgreementAudit.COLLABORATOR_INVITED,
            target=access,
            data={
                "request": access_request.reference,
                # Never the address itself: the log is kept for ever.
                "invited": "account" if access.user_id else "e-mail",
            },
        )
        _send_invitation(access, token, actor)
        events.publish(
            CollaboratorAccessChanged(
                access.pk, "", access.status, AgreementAudit.COLLABORATOR_INVITED.value
            )
        )
        invited.append(access)
    return invited


def collaborator_invitation_resend(
    *, access: CollaboratorAccess, actor: User
) -> CollaboratorAccess:
    """The applicant sends the invitation again: a new link (the old one stops working)
    with a new expiry, or a new message to an account."""
    with COLLABORATORS.fire(
        access, CW.Action.RESEND_INVITATION, actor, AgreementAudit.COLLABORATOR_INVITATION_RESENT
    ) as firing:
        token = _new_invitation(firing.obj, firing.now)
        _send_invitation(firing.obj, token, actor)
    return firing.obj


def _invitation_refusals(access: CollaboratorAccess, digest: str, actor: User) -> None:
    """Why this person may not accept this invitation now, most specific first."""
    if access.invitation_token_sha256 != digest:
        raise NotFound("This invitation link is not valid.")
    if access.invitation_expires_at is not None and access.invitation_expires_at <= timezone.now():
        raise Conflict(
            "This invitation has expired: ask the applicant to send it again.",
            code="invitation_expired",
        )
    if (actor.email or "").strip().lower() != access.email:
        raise PermissionDenied(
            "This invitation was sent to another e-mail address. Sign in with the account "
            "of that address, or ask the applicant to invite the address of this account.",
            code="invitation_other_address",
        )
    if access.access_request.applicant_id == actor.pk or (
        CollaboratorAccess.objects.filter(access_request=access.access_request, user=actor)
        .exclude(pk=access.pk)
        .exists()
    ):
        raise Conflict("You are already on this request.", code="already_on_request")


def collaborator_invitation_accept(*, token: Any, actor: User) -> CollaboratorAccess:
    """The invited person, signed in with the invited address, claims the invitation: it
    becomes theirs (the link stops working) and they may read and sign the agreement."""
    access, digest = selectors.invitation_by_token(token)
    with COLLABORATORS.fire(
        access,
        CW.Action.ACCEPT_INVITATION,
        actor,
        AgreementAudit.COLLABORATOR_JOINED,
        precheck=lambda locked: _invitation_refusals(locked, digest, actor),
    ) as firing:
        firing.obj.user = actor
        firing.obj.joined_at = firing.now
        firing.obj.invitation_token_sha256 = ""
        firing.obj.invitation_expires_at = None
        firing.data["request"] = firing.obj.access_request.reference
    return firing.obj


def collaborator_sign(
    *, access: CollaboratorAccess, actor: User, text_sha256: Any, accept: Any
) -> CollaboratorAccess:
    """The collaborator signs the agreement text whose SHA-256 they send (409 if it is not
    the current text), recording who, when, from which address and the hash. From then on
    each of the request's grants that gives access covers them."""
    if accept is not True:
        raise ValidationError(
            "Tick the box to accept the agreement.", details={"accept": ["Must be true."]}
        )
    with COLLABORATORS.fire(
        access, CW.Action.SIGN, actor, AgreementAudit.COLLABORATOR_SIGNED
    ) as firing:
        signer = firing.obj
        agreement = Agreement.objects.select_related("access_request").get(
            access_request_id=signer.access_request_id
        )
        request_still_approved(agreement)
        digest = check_text(agreement, text_sha256)
        _check_collaborator_training(signer.access_request, actor)
        signer.signed_at = firing.now
        signer.signed_ip = _client_ip()
        signer.signed_text_sha256 = digest
        firing.data.update(text_sha256=digest, template_version=agreement.template_version)
        access_request = signer.access_request
        notify(
            "collaborator_signed",
            access_request.applicant,
            f"collaborator.signed:{signer.public_id}",
            {
                "reference": access_request.reference,
                "collaborator_name": actor.get_full_name() or actor.username,
                "action_url": f"/requests/{access_request.reference}/agreement/",
            },
            actor,
        )
    return firing.obj


def _check_collaborator_training(access_request: AccessRequest, actor: User) -> None:
    """Where a committee of the request asks for a recent training record, the collaborator
    signs only with one on file (checked here, not at submission, so that the applicant
    learns nothing about the accounts they named)."""
    committees = Committee.objects.filter(pk__in=request_committee_ids(access_request))
    require_training(actor, list(committees), then="sign")


def collaborator_remove(
    *, access: CollaboratorAccess, actor: User, reason: Any = ""
) -> CollaboratorAccess:
    """The applicant takes a collaborator off the request: their entitlements (and the
    visas built on them) end at once; everyone else's stay."""
    reason = _text(reason, "reason", required=False, limit=2000)
    with COLLABORATORS.fire(
        access, CW.Action.REMOVE, actor, AgreementAudit.COLLABORATOR_REMOVED
    ) as firing:
        _end(firing, reason)
        if firing.obj.user is not None:
            notify(
                "collaborator_removed",
                firing.obj.user,
                f"collaborator.removed:{firing.obj.public_id}",
                _ending_context(firing.obj),
                actor,
            )
    return firing.obj


def collaborator_leave(
    *, access: CollaboratorAccess, actor: User, reason: Any = ""
) -> CollaboratorAccess:
    """The collaborator leaves the request (or declines the invitation): their
    entitlements end; the applicant is told."""
    reason = _text(reason, "reason", required=False, limit=2000)
    with COLLABORATORS.fire(
        access, CW.Action.LEAVE, actor, AgreementAudit.COLLABORATOR_LEFT
    ) as firing:
        _end(firing, reason)
        notify(
            "collaborator_left",
            firing.obj.access_request.applicant,
            f"collaborator.left:{firing.obj.public_id}",
            {
                **_ending_context(firing.obj),
                "collaborator_name": actor.get_full_name() or actor.username,
            },
            actor,
        )
    return firing.obj


def _end(firing: Firing[CollaboratorAccess], reason: str) -> None:
    firing.advance()
    firing.obj.status_reason = reason
    firing.obj.invitation_token_sha256 = ""
    firing.obj.invitation_expires_at = None
    firing.data.update(reason=reason, request=firing.obj.access_request.reference)


def _ending_context(access: CollaboratorAccess) -> dict[str, Any]:
    return {
        "reference": access.access_request.reference,
        "title": access.access_request.title,
        "reason": access.status_reason,
        "action_url": f"/collaborations/{access.public_id}/",
    }


CW.MACHINE.handles(CW.Action.ACCEPT_INVITATION)(collaborator_invitation_accept)
CW.MACHINE.handles(CW.Action.RESEND_INVITATION)(collaborator_invitation_resend)
CW.MACHINE.handles(CW.Action.SIGN)(collaborator_sign)
CW.MACHINE.handles(CW.Action.REMOVE)(collaborator_remove)
CW.MACHINE.handles(CW.Action.LEAVE)(collaborator_leave)
