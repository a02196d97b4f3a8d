"""Who sits on a committee, changed in the portal by its chairs: invitations by e-mail,
roles (chair, member, lay or community representative, steward), terms of office, and the
end of a membership. One function per change, each audited in its own transaction.

A membership row exists while the role is held; MembershipPeriod keeps when each role was
held, for the composition over time on /stats/. The guardian permissions each role carries
follow the rows (COMMITTEE_ROLE_PERMS)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import TextChoices
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from accounts.audit_actions import AccountAudit
from accounts.events import CommitteeInvitationSent, CommitteeMembershipEnded
from accounts.models import (
    Committee,
    CommitteeInvitation,
    CommitteeMembership,
    CommitteeProfile,
    CommitteeRole,
    MembershipPeriod,
    User,
    WhoRegion,
)
from accounts.permissions import can, is_admin
from accounts.roles import forget_roles
from audit.services import audit_record
from dac_portal import events
from dac_portal.errors import Conflict, NotFound, PermissionDenied, ValidationError
from dac_portal.tokens import digest_of_link, new_link_token

# The guardian permissions each committee role carries. A lay or community
# representative reads and comments on the committee's requests like a member; whether
# their vote counts is the committee's setting (Committee.lay_representatives_vote).
COMMITTEE_ROLE_PERMS: dict[str, tuple[str, ...]] = {
    CommitteeRole.CHAIR: ("review_committee", "chair_committee"),
    CommitteeRole.MEMBER: ("review_committee",),
    CommitteeRole.LAY: ("review_committee",),
    CommitteeRole.STEWARD: ("steward_committee",),
}
INVITATION_LIFETIME = timedelta(days=30)
LONGEST_TERM_DAYS = 10 * 366
MEMBERSHIP_JOB = "committee_terms"


class MembershipEnd(TextChoices):
    ENDED_BY_CHAIR = "ended_by_chair"
    TERM_ENDED = "term_ended"
    ROLE_CHANGED = "role_changed"
    REMOVED = "removed"  # by setup code or an administrator


def require_chair(actor: Any, committee: Committee, doing: str = "manage its members") -> None:
    """The committee's chairs (and administrators) only; `doing` finishes the refusal."""
    if not (can(actor, "committee.chair", committee) or is_admin(actor)):
        raise PermissionDenied(f"Only the committee's chairs {doing}.")


def _checked_role(role: Any) -> CommitteeRole:
    if role not in CommitteeRole.values:
        raise ValidationError("Choose a role.", details={"role": ["Unknown role."]})
    return CommitteeRole(role)


def _checked_term(term_ends: Any, today: date) -> date | None:
    if term_ends in (None, ""):
        return None
    if not isinstance(term_ends, date):
        raise ValidationError("A date.", details={"term_ends": ["Not a date."]})
    if term_ends < today or term_ends > today + timedelta(days=LONGEST_TERM_DAYS):
        raise ValidationError(
            "A term ends today at the earliest and within ten years.",
            details={"term_ends": ["Out of range."]},
        )
    return term_ends


def _one_line(value: Any, field: str, limit: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > limit or any(ch in text for ch in "\x00\r\n"):
        raise ValidationError("Check this field.", details={field: ["Required, one line."]})
    return text


def _assign(user: User, committee: Committee, role: str) -> None:
    for codename in COMMITTEE_ROLE_PERMS[role]:
        assign_perm(f"accounts.{codename}", user, committee)


def _unassign(user: User, committee: Committee, role: str) -> None:
    """Take away the permissions of `role` that none of the person's other roles on the
    committee still carries."""
    still_held = set(
        CommitteeMembership.objects.filter(committee=committee, user=user).values_list(
            "role", flat=True
        )
    )
    kept = {perm for r in still_held for perm in COMMITTEE_ROLE_PERMS[r]}
    for codename in set(COMMITTEE_ROLE_PERMS[role]) - kept:
        remove_perm(f"accounts.{codename}", user, committee)


def _close_period(membership: CommitteeMembership, now: datetime, reason: str) -> None:
    MembershipPeriod.objects.filter(
        committee_id=membership.committee_id,
        user_id=membership.user_id,
        role=membership.role,
        ended_at__isnull=True,
    ).update(ended_at=now, end_reason=reason)


def committee_membership_add(
    *,
    committee: Committee,
    user: User,
    role: str,
    actor: User | None,
    term_ends: date | None = None,
) -> CommitteeMembership:
    role = _checked_role(role)
    with transaction.atomic():
        if CommitteeMembership.objects.filter(committee=committee, user=user, role=role).exists():
            raise Conflict(f"{user.username} is already {role.label} of {committee.name}.")
        now = timezone.now()
        membership = CommitteeMembership.objects.create(
            committee=committee, user=user, role=role, since=now, term_ends=term_ends
        )
        MembershipPeriod.objects.create(committee=committee, user=user, role=role, started_at=now)
        _assign(user, committee, role)
        audit_record(
            actor=actor,
            system=None if actor else "setup",
            action=AccountAudit.COMMITTEE_MEMBERSHIP_ADDED,
            target=("committee", committee.slug),
            data={
                "user": str(user.public_id),
                "username": user.username,
                "role": role.value,
                "term_ends": term_ends.isoformat() if term_ends else None,
            },
        )
    forget_roles(user)
    return membership


def committee_membership_remove(
    *,
    membership: CommitteeMembership,
    actor: User | None,
    reason: str = MembershipEnd.REMOVED,
    system: str | None = None,
) -> None:
    """End one role (no permission check: setup code, jobs, and the chair's
    committee_membership_end, which checks)."""
    with transaction.atomic():
        user, committee, role = membership.user, membership.committee, membership.role
        _close_period(membership, timezone.now(), reason)
        membership.delete()
        _unassign(user, committee, role)
        audit_record(
            actor=actor,
            system=system if actor is None else None,
            action=AccountAudit.COMMITTEE_MEMBERSHIP_REMOVED,
            target=("committee", committee.slug),
            data={
                "user": str(user.public_id),
                "username": user.username,
                "role": role,
                "reason": str(reason),
            },
        )
        events.publish(CommitteeMembershipEnded(committee, user, role, str(reason), actor))
    forget_roles(user)


def _is_last_chair(membership: CommitteeMembership) -> bool:
    return (
        membership.role == CommitteeRole.CHAIR
        and not CommitteeMembership.objects.filter(
            committee_id=membership.committee_id, role=CommitteeRole.CHAIR
        )
        .exclude(pk=membership.pk)
        .exists()
    )


def _locked_or_none(membership: CommitteeMembership) -> CommitteeMembership | None:
    return (
        CommitteeMembership.objects.select_for_update()
        .select_related("user", "committee")
        .filter(pk=membership.pk)
        .first()
    )


def _locked(membership: CommitteeMembership) -> CommitteeMembership:
    found = _locked_or_none(membership)
    if found is None:
        raise NotFound("No such membership.")
    return found


def committee_membership_end(*, membership: CommitteeMembership, actor: User) -> None:
    """A chair ends someone's role. The last chair cannot be ended: a committee without a
    chair could decide nothing (name a successor first)."""
    require_chair(actor, membership.committee)
    with transaction.atomic():
        membership = _locked(membership)
        if _is_last_chair(membership):
            raise Conflict(
                "This is the committee's only chair: make someone else chair first.",
                code="last_chair",
            )
        committee_membership_remove(
            membership=membership, actor=actor, reason=MembershipEnd.ENDED_BY_CHAIR
        )


def committee_membership_change(
    *, membership: CommitteeMembership, role: Any, term_ends: Any, actor: User
) -> CommitteeMembership:
    """A chair changes someone's role and/or the end of their term. A new role starts a
    new period in the history; the permissions follow."""
    require_chair(actor, membership.committee)
    role = _checked_role(role)
    term = _checked_term(term_ends, timezone.localdate())
    with transaction.atomic():
        membership = _locked(membership)
        old_role = membership.role
        if role != old_role:
            if _is_last_chair(membership):
                raise Conflict(
                    "This is the committee's only chair: make someone else chair first.",
                    code="last_chair",
                )
            if CommitteeMembership.objects.filter(
                committee_id=membership.committee_id, user_id=membership.user_id, role=role
            ).exists():
                raise Conflict(f"{membership.user} already holds that role.", code="role_held")
            now = timezone.now()
            _close_period(membership, now, MembershipEnd.ROLE_CHANGED)
            membership.role = role
            membership.since = now
            MembershipPeriod.objects.create(
                committee_id=membership.committee_id,
                user_id=membership.user_id,
                role=role,
                started_at=now,
            )
        membership.term_ends = term
        membership.save(update_fields=["role", "since", "term_ends"])
        if role != old_role:
            _assign(membership.user, membership.committee, role)
            _unassign(membership.user, membership.committee, old_role)
        audit_record(
            actor=actor,
            action=AccountAudit.COMMITTEE_MEMBERSHIP_CHANGED,
            target=("committee", membership.committee.slug),
            data={
                "user": str(membership.user.public_id),
                "username": membership.user.username,
                "role_before": old_role,
                "role": role.value,
                "term_ends": term.isoformat() if term else None,
            },
        )
    forget_roles(membership.user)
    return membership


def committee_settings_save(
    *, committee: Committee, values: dict[str, Any], actor: User
) -> Committee:
    """Some of a committee's settings, checked by the caller: those that change are saved
    and audited together, as one `committee.updated` naming each (another committee as its
    slug); nothing is written when none changes."""
    with transaction.atomic():
        committee = Committee.objects.select_for_update().get(pk=committee.pk)
        changed = {f: v for f, v in values.items() if getattr(committee, f) != v}
        if changed:
            for field, value in changed.items():
                setattr(committee, field, value)
            committee.save(update_fields=list(changed))
            audit_record(
                actor=actor,
                action=AccountAudit.COMMITTEE_UPDATED,
                target=("committee", committee.slug),
                data={f: v.slug if isinstance(v, Committee) else v for f, v in changed.items()},
            )
    return committee


def committee_lay_voting_set(*, committee: Committee, votes: Any, actor: User) -> Committee:
    """Whether the committee's lay and community representatives vote or advise."""
    require_chair(actor, committee)
    if not isinstance(votes, bool):
        raise ValidationError("Yes or no.", details={"lay_representatives_vote": ["A boolean."]})
    return committee_settings_save(
        committee=committee, values={"lay_representatives_vote": votes}, actor=actor
    )


def committee_invitation_send(
    *, committee: Committee, name: Any, email: Any, role: Any, term_ends: Any, actor: User
) -> CommitteeInvitation:
    """A chair invites someone by e-mail. The audit event names the invitation, the role
    and the term, never the address."""
    require_chair(actor, committee)
    name = _one_line(name, "name", 200)
    address = _one_line(email, "email", 254).lower()
    try:
        validate_email(address)
    except DjangoValidationError:
        raise ValidationError("Not an e-mail address.", details={"email": ["Invalid."]}) from None
    role = _checked_role(role)
    term = _checked_term(term_ends, timezone.localdate())
    with transaction.atomic():
        if CommitteeMembership.objects.filter(
            committee=committee, role=role, user__email__iexact=address
        ).exists():
            raise Conflict("That person already holds this role.", code="role_held")
        if CommitteeInvitation.objects.filter(
            committee=committee, email=address, accepted_at__isnull=True, cancelled_at__isnull=True
        ).exists():
            raise Conflict("An invitation to that address is pending.", code="invitation_pending")
        token, digest = new_link_token()
        now = timezone.now()
        invitation = CommitteeInvitation.objects.create(
            committee=committee,
            name=name,
            email=address,
            role=role,
            term_ends=term,
            invited_by=actor,
            invited_at=now,
            expires_at=now + INVITATION_LIFETIME,
            token_sha256=digest,
        )
        audit_record(
            actor=actor,
            action=AccountAudit.COMMITTEE_INVITATION_SENT,
            target=invitation,
            data={
                "committee": committee.slug,
                "role": role.value,
                "term_ends": term.isoformat() if term else None,
            },
        )
        events.publish(CommitteeInvitationSent(invitation, token, actor))
    return invitation


def committee_invitation_cancel(*, invitation: CommitteeInvitation, actor: User) -> None:
    require_chair(actor, invitation.committee)
    with transaction.atomic():
        invitation = CommitteeInvitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.pending:
            raise Conflict("The invitation was already answered or cancelled.", code="not_pending")
        invitation.cancelled_at = timezone.now()
        invitation.token_sha256 = ""
        invitation.save(update_fields=["cancelled_at", "token_sha256"])
        audit_record(
            actor=actor,
            action=AccountAudit.COMMITTEE_INVITATION_CANCELLED,
            target=invitation,
            data={"committee": invitation.committee.slug},
        )


def committee_invitation_accept(*, token: Any, actor: User) -> CommitteeMembership:
    """The invited person, signed in with the invited address, takes up the role."""
    digest = digest_of_link(token)
    with transaction.atomic():
        invitation = (
            CommitteeInvitation.objects.select_for_update()
            .select_related("committee")
            .filter(token_sha256=digest)
            .first()
        )
        if invitation is None or not invitation.pending:
            raise NotFound("This invitation link is not valid: it was used, cancelled or mistyped.")
        if invitation.expired(timezone.now()):
            raise Conflict(
                "This invitation has expired: ask the chair for a new one.", code="expired"
            )
        if (actor.email or "").lower() != invitation.email:
            raise PermissionDenied(
                "This invitation was sent to another e-mail address: sign in with the account "
                "that uses it.",
                code="wrong_account",
            )
        membership = committee_membership_add(
            committee=invitation.committee,
            user=actor,
            role=invitation.role,
            actor=actor,
            term_ends=invitation.term_ends,
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = actor
        invitation.token_sha256 = ""
        invitation.save(update_fields=["accepted_at", "accepted_by", "token_sha256"])
        audit_record(
            actor=actor,
            action=AccountAudit.COMMITTEE_INVITATION_ACCEPTED,
            target=invitation,
            data={"committee": invitation.committee.slug, "role": invitation.role},
        )
    return membership


def committee_profile_set(*, actor: User, region: Any, expertise: Any) -> CommitteeProfile:
    """What a committee person publishes on their committees' public pages (blank: nothing)."""
    if not actor.committee_memberships.exists():
        raise PermissionDenied("Only committee people publish a committee profile.")
    if region not in ("", *WhoRegion.values):
        raise ValidationError("Choose a region.", details={"region": ["Unknown region."]})
    text = expertise.strip() if isinstance(expertise, str) else ""
    if len(text) > 120 or any(ch in text for ch in "\x00\r\n"):
        raise ValidationError("One short line.", details={"expertise": ["Too long."]})
    with transaction.atomic():
        profile, _created = CommitteeProfile.objects.update_or_create(
            user=actor,
            defaults={"region": region, "expertise": text, "updated_at": timezone.now()},
        )
        audit_record(
            actor=actor,
            action=AccountAudit.COMMITTEE_PROFILE_UPDATED,
            target=("user", actor.public_id),
            data={"region": region, "expertise": text},
        )
    return profile


def memberships_end_lapsed_terms(now: datetime, *, dry_run: bool = False) -> dict[str, Any]:
    """The daily job: end every membership whose term of office is over. A committee's
    last chair stays in office past their term until a successor is named (as most
    committee rules have it); the members page shows their term as over."""
    today = timezone.localdate(now)
    lapsed = CommitteeMembership.objects.filter(term_ends__lt=today).order_by("id")
    ended: list[str] = []
    held_over: list[str] = []
    for membership in lapsed.select_related("user", "committee"):
        label = f"{membership.committee.slug}:{membership.user.username}:{membership.role}"
        with transaction.atomic():
            current = _locked_or_none(membership)
            if current is None or current.term_ends is None or current.term_ends >= today:
                continue  # ended or changed since it was listed
            if _is_last_chair(current):
                held_over.append(label)
                continue
            ended.append(label)
            if not dry_run:
                committee_membership_remove(
                    membership=current,
                    actor=None,
                    reason=MembershipEnd.TERM_ENDED,
                    system=MEMBERSHIP_JOB,
                )
    return {"ended": ended, "held_over": held_over}
