"""What notifications tells people about facts the apps below it announce (accounts
cannot send messages itself: it sits below this app)."""

from __future__ import annotations

from django.utils import timezone

from accounts.events import CommitteeInvitationSent, CommitteeMembershipEnded
from dac_portal.events import subscribe
from notifications.services import Addressee, notify, notify_address


@subscribe(CommitteeInvitationSent)
def send_committee_invitation(event: CommitteeInvitationSent) -> None:
    """The invitation goes to the address the chair typed, with the single-use link (an
    account with that address accepts it; without one, the person signs up first)."""
    invitation = event.invitation
    inviter = invitation.invited_by
    notify_address(
        "committee_invited",
        Addressee(name=invitation.name, email=invitation.email),
        f"committee_invitation.sent:{invitation.public_id}",
        {
            "committee": invitation.committee.name,
            "role": str(invitation.get_role_display()),
            "inviter": inviter.get_full_name() or inviter.username,
            "term_ends": invitation.term_ends.isoformat() if invitation.term_ends else "",
            "expires_on": f"{timezone.localtime(invitation.expires_at):%Y-%m-%d}",
            "action_url": f"/committee-invitations/{event.token}/",
        },
        event.actor,
    )


@subscribe(CommitteeMembershipEnded)
def tell_of_membership_end(event: CommitteeMembershipEnded) -> None:
    notify(
        "committee_membership_ended",
        event.user,
        f"committee_membership.ended:{event.committee.pk}:{event.user.pk}:{event.role}:"
        f"{timezone.now().isoformat()}",
        {
            "committee": event.committee.name,
            "role": event.role,
            "term_ended": event.reason == "term_ended",
            "action_url": f"/committees/{event.committee.slug}/",
        },
        event.actor,
    )
