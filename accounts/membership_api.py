"""REST for committee membership, for a committee's chairs (and administrators): the
people and their terms, invitations, a change of role or term, the end of a membership.
The same services as the members page."""

from __future__ import annotations

from datetime import date
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import membership, selectors
from accounts.models import CommitteeMembership, CommitteeRole
from dac_portal.api import ApiView, iso_date, json_object, only_fields
from dac_portal.errors import ValidationError

SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The committee's slug.")
MEMBERSHIP = OpenApiParameter("membership_id", int, OpenApiParameter.PATH)


class MemberSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="The membership's id (one per person and role).")
    user = serializers.UUIDField()
    username = serializers.CharField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=CommitteeRole.choices)
    since = serializers.DateTimeField()
    term_ends = serializers.DateField(allow_null=True)


class MembershipChangeSerializer(serializers.Serializer[Any]):
    role = serializers.ChoiceField(choices=CommitteeRole.choices)
    term_ends = serializers.DateField(allow_null=True, required=False)


class InvitationSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=CommitteeRole.choices)
    term_ends = serializers.DateField(allow_null=True, required=False)


class InvitationResponseSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    name = serializers.CharField()
    role = serializers.CharField()
    term_ends = serializers.DateField(allow_null=True)
    expires_at = serializers.DateTimeField()


def _term(value: Any) -> date | None:
    """A term's end from JSON: null, or an ISO date."""
    if value is None:
        return None
    parsed = iso_date(value)
    if parsed is None:
        raise ValidationError("An ISO date (YYYY-MM-DD).", details={"term_ends": ["Not a date."]})
    return parsed  # type: ignore[no-any-return]


def _member(seat: CommitteeMembership) -> dict[str, Any]:
    return {
        "id": seat.pk,
        "user": str(seat.user.public_id),
        "username": seat.user.username,
        "name": seat.user.get_full_name(),
        "role": seat.role,
        "since": seat.since.isoformat(),
        "term_ends": seat.term_ends.isoformat() if seat.term_ends else None,
    }


class CommitteeMembersApi(ApiView):
    @extend_schema(
        operation_id="committees_members_list",
        parameters=[SLUG],
        responses=MemberSerializer(many=True),
    )
    def get(self, request: Request, slug: str) -> Response:
        """The committee's people now, by role (chairs and administrators only)."""
        committee = selectors.committee_for_chair(user=request.user, slug=slug)  # type: ignore[arg-type]
        return Response([_member(seat) for seat in selectors.committee_members(committee)])


class CommitteeMemberApi(ApiView):
    @extend_schema(
        operation_id="committees_members_update",
        parameters=[SLUG, MEMBERSHIP],
        request=MembershipChangeSerializer,
        responses=MemberSerializer,
    )
    def patch(self, request: Request, slug: str, membership_id: str) -> Response:
        """Change someone's role and/or the end of their term."""
        committee = selectors.committee_for_chair(user=request.user, slug=slug)  # type: ignore[arg-type]
        seat = selectors.membership_get(committee=committee, membership_id=membership_id)
        data = only_fields(json_object(request), {"role", "term_ends"})
        changed = membership.committee_membership_change(
            membership=seat,
            role=data.get("role", seat.role),
            term_ends=_term(data["term_ends"]) if "term_ends" in data else seat.term_ends,
            actor=request.user,  # type: ignore[arg-type]
        )
        return Response(_member(changed))

    @extend_schema(
        operation_id="committees_members_end", parameters=[SLUG, MEMBERSHIP], responses={204: None}
    )
    def delete(self, request: Request, slug: str, membership_id: str) -> Response:
        """End someone's role on the committee (409 `last_chair` for its only chair)."""
        committee = selectors.committee_for_chair(user=request.user, slug=slug)  # type: ignore[arg-type]
        seat = selectors.membership_get(committee=committee, membership_id=membership_id)
        membership.committee_membership_end(membership=seat, actor=request.user)  # type: ignore[arg-type]
        return Response(status=204)


class CommitteeInvitationsApi(ApiView):
    @extend_schema(
        operation_id="committees_invitations_create",
        parameters=[SLUG],
        request=InvitationSerializer,
        responses={201: InvitationResponseSerializer},
    )
    def post(self, request: Request, slug: str) -> Response:
        """Invite someone by e-mail; the link goes to that address only."""
        committee = selectors.committee_for_chair(user=request.user, slug=slug)  # type: ignore[arg-type]
        data = only_fields(json_object(request), {"name", "email", "role", "term_ends"})
        invitation = membership.committee_invitation_send(
            committee=committee,
            name=data.get("name"),
            email=data.get("email"),
            role=data.get("role"),
            term_ends=_term(data.get("term_ends")),
            actor=request.user,  # type: ignore[arg-type]
        )
        return Response(
            {
                "id": str(invitation.public_id),
                "name": invitation.name,
                "role": invitation.role,
                "term_ends": invitation.term_ends.isoformat() if invitation.term_ends else None,
                "expires_at": invitation.expires_at.isoformat(),
            },
            status=201,
        )
