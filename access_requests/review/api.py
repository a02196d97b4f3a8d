"""REST endpoints of the committee review (docs/api.md): votes/, recuse/, request-changes/,
decision/ and outside-reviewers/. Thin: parse the body, call one service, answer. A
caller who cannot see the request gets 404; the workflow tables decide 403/409 inside the
services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from access_requests import conflicts, selectors
from access_requests.api import REF, _fresh, _user
from access_requests.models import OutsideReviewerEnd, OutsideReviewerKind
from access_requests.review import outside
from access_requests.review import selectors as review_selectors
from access_requests.review import services as review_services
from access_requests.serializers import RequestDetailSerializer
from accounts.api_permissions import WITH_RECENT_AUTHENTICATION
from accounts.models import User
from accounts.roles import committee_person
from dac_portal.api import ApiView, json_object, only_fields
from dac_portal.errors import NotFound, PermissionDenied, ValidationError


def _committee_request(request: Request, reference: str) -> Any:
    # Visible to the applicant as well, so that they get 403/409 from the workflow rather
    # than a 404 for their own request; invisible requests are 404 for everyone.
    return selectors.access_request_get_for_user(user=request.user, reference=reference, full=False)


class VoteWriteSerializer(serializers.Serializer[Any]):
    dataset = serializers.CharField(required=False)
    vote = serializers.ChoiceField(choices=["approve", "reject", "abstain"])
    rationale = serializers.CharField()


class TallySerializer(serializers.Serializer[Any]):
    rule = serializers.CharField()
    quorum = serializers.IntegerField()
    eligible = serializers.IntegerField()
    recused = serializers.IntegerField()
    voted = serializers.IntegerField()
    approve = serializers.IntegerField()
    reject = serializers.IntegerField()
    abstain = serializers.IntegerField()
    quorum_met = serializers.BooleanField()
    allowed = serializers.ListField(child=serializers.CharField())


class DatasetVotesSerializer(serializers.Serializer[Any]):
    accession = serializers.CharField()
    my_vote = serializers.CharField(allow_null=True)
    tally = TallySerializer()


class VotesResponseSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField()
    datasets = DatasetVotesSerializer(many=True)


class RecuseSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField()


class RecuseResponseSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField()
    recused = serializers.BooleanField()


class MessageSerializer(serializers.Serializer[Any]):
    message = serializers.CharField()


class DecisionEntrySerializer(serializers.Serializer[Any]):
    dataset = serializers.CharField()
    decision = serializers.ChoiceField(choices=["approved", "rejected"])
    reason = serializers.CharField(required=False)
    conditions = serializers.ListField(child=serializers.CharField(), required=False)


class DecisionSerializer(serializers.Serializer[Any]):
    decisions = DecisionEntrySerializer(many=True)


def votes_payload(user: Any, reference: str) -> dict[str, Any]:
    """For the committee only: the caller's own votes and the live tally (counts, never
    who voted how) of the datasets their committee decides (on a request spanning
    committees, another committee's tallies stay with it)."""
    state = review_selectors.review_state_for_user(user=user, reference=reference)
    return {
        "reference": state.access_request.reference,
        "datasets": [
            {
                "accession": row.dataset.accession,
                "my_vote": state.my_votes[row.pk].vote if row.pk in state.my_votes else None,
                "tally": state.tallies[row.pk].as_dict(),
            }
            for row in state.rows
            if row.pk in state.mine
        ],
    }


class VotesApi(ApiView):
    @extend_schema(
        operation_id="requests_votes_create",
        parameters=[REF],
        request=VoteWriteSerializer,
        responses=VotesResponseSerializer,
    )
    def post(self, request: Request, reference: str) -> Response:
        access_request = _committee_request(request, reference)
        data = only_fields(json_object(request), {"dataset", "vote", "rationale"})
        review_services.access_request_vote(
            access_request=access_request,
            vote=data.get("vote"),
            rationale=data.get("rationale"),
            dataset=data.get("dataset"),
            actor=_user(request),
        )
        return Response(votes_payload(request.user, reference))


class RecuseApi(ApiView):
    @extend_schema(
        operation_id="requests_recuse",
        parameters=[REF],
        request=RecuseSerializer,
        responses=RecuseResponseSerializer,
    )
    def post(self, request: Request, reference: str) -> Response:
        access_request = _committee_request(request, reference)
        data = only_fields(json_object(request), {"reason"})
        review_services.access_request_recuse(
            access_request=access_request, reason=data.get("reason"), actor=_user(request)
        )
        return Response({"reference": access_request.reference, "recused": True})


class ConflictWaiverSerializer(serializers.Serializer[Any]):
    member = serializers.CharField(help_text="The member's username.")
    reason = serializers.CharField()


class ConflictWaiverResponseSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField()
    member = serializers.CharField()
    conflicts = serializers.ListField(child=serializers.CharField())
    reason = serializers.CharField()


class ConflictWaiverApi(ApiView):
    @extend_schema(
        operation_id="requests_conflict_waiver_create",
        parameters=[REF],
        request=ConflictWaiverSerializer,
        responses={201: ConflictWaiverResponseSerializer},
    )
    def post(self, request: Request, reference: str) -> Response:
        """A chair lets a member with a conflict the portal found take part after all."""
        access_request = _committee_request(request, reference)
        data = only_fields(json_object(request), {"member", "reason"})
        name = data.get("member")
        member = (
            User.objects.filter(username=name, is_active=True).first()
            if isinstance(name, str) and 0 < len(name) <= 150 and "\x00" not in name
            else None
        )
        waiver = review_services.access_request_conflict_waive(
            access_request=access_request,
            member=member,
            reason=data.get("reason"),
            actor=_user(request),
        )
        return Response(
            {
                "reference": access_request.reference,
                "member": waiver.member.username,
                "conflicts": waiver.conflicts,
                "reason": waiver.reason,
            },
            status=201,
        )


class RequestChangesApi(ApiView):
    @extend_schema(
        operation_id="requests_request_changes",
        parameters=[REF],
        request=MessageSerializer,
        responses=RequestDetailSerializer,
    )
    def post(self, request: Request, reference: str) -> Response:
        access_request = _committee_request(request, reference)
        data = only_fields(json_object(request), {"message"})
        review_services.access_request_request_changes(
            access_request=access_request, message=data.get("message"), actor=_user(request)
        )
        return Response(_fresh(request.user, reference))


class DecisionApi(ApiView):
    # A browser session must have checked the password lately (accounts.sessions).
    permission_classes = WITH_RECENT_AUTHENTICATION

    @extend_schema(
        operation_id="requests_decision",
        parameters=[REF],
        request=DecisionSerializer,
        responses=RequestDetailSerializer,
    )
    def post(self, request: Request, reference: str) -> Response:
        access_request = _committee_request(request, reference)
        data = only_fields(json_object(request), {"decisions"})
        review_services.access_request_decide(
            access_request=access_request, decisions=data.get("decisions"), actor=_user(request)
        )
        return Response(_fresh(request.user, reference))


class BatchDecisionSerializer(serializers.Serializer[Any]):
    requests = serializers.ListField(child=serializers.CharField(), max_length=100)
    decision = serializers.ChoiceField(choices=["approved", "rejected"])
    reason = serializers.CharField(required=False)
    conditions = serializers.ListField(child=serializers.CharField(), required=False)


class BatchOutcomeSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField()
    decided = serializers.BooleanField()
    code = serializers.CharField()
    message = serializers.CharField()


class BatchDecisionResponseSerializer(serializers.Serializer[Any]):
    results = BatchOutcomeSerializer(many=True)


class BatchDecisionApi(ApiView):
    """One decision with one reason for several requests; each is decided (or refused,
    with the reason) on its own."""

    permission_classes = WITH_RECENT_AUTHENTICATION

    @extend_schema(
        operation_id="review_batch_decision",
        request=BatchDecisionSerializer,
        responses=BatchDecisionResponseSerializer,
    )
    def post(self, request: Request) -> Response:
        if not committee_person(request.user):
            raise PermissionDenied("Only committee chairs decide requests.")
        data = only_fields(json_object(request), {"requests", "decision", "reason", "conditions"})
        references = data.get("requests")
        if not isinstance(references, list) or not all(
            isinstance(r, str) and 0 < len(r) <= 40 and "\x00" not in r for r in references
        ):
            raise ValidationError(
                "Name the requests by reference.", details={"requests": ["A list of references."]}
            )
        # A reference the caller cannot see is the same 404 as one that does not exist.
        chosen = [_committee_request(request, r) for r in dict.fromkeys(references)]
        outcomes = review_services.access_requests_decide_batch(
            access_requests=chosen,
            decision=data.get("decision"),
            reason=data.get("reason"),
            conditions=data.get("conditions"),
            actor=_user(request),
        )
        return Response(
            {
                "results": [
                    {
                        "reference": o.reference,
                        "decided": o.decided,
                        "code": o.code,
                        "message": o.message,
                    }
                    for o in outcomes
                ]
            }
        )


# -- outside reviewers (access_requests/review/outside.py) ---------------------------------

PUBLIC_ID = OpenApiParameter("public_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class OutsideReviewerSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(help_text="The invitation's public id.")
    kind = serializers.ChoiceField(choices=OutsideReviewerKind.choices)
    name = serializers.CharField()
    email = serializers.EmailField(
        allow_null=True, help_text="For a chair of the committee that invited them; else null."
    )
    committee = serializers.CharField(help_text="The inviting committee's slug.")
    status = serializers.ChoiceField(choices=["invited", "expired", "accepted", "ended"])
    invited_at = serializers.DateTimeField()
    invitation_expires_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    opinion = serializers.CharField(
        allow_null=True, help_text="Null until given, and for a recused or conflicted member."
    )
    opinion_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    end_reason = serializers.ChoiceField(choices=OutsideReviewerEnd.choices, allow_null=True)


class OutsideReviewerListSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField()
    results = OutsideReviewerSerializer(many=True)


class OutsideInviteSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=outside.NAME_LIMIT)
    email = serializers.EmailField()
    kind = serializers.ChoiceField(choices=OutsideReviewerKind.choices)


class OpinionSerializer(serializers.Serializer[Any]):
    opinion = serializers.CharField(max_length=outside.OPINION_LIMIT)


class OpinionResponseSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField()
    id = serializers.UUIDField()
    opinion = serializers.CharField()
    opinion_at = serializers.DateTimeField()


def _outside_entry(entry: outside.OutsideReviewerEntry) -> dict[str, Any]:
    reviewer = entry.reviewer
    return {
        "id": str(reviewer.public_id),
        "kind": reviewer.kind,
        "name": reviewer.shown_name,
        "email": entry.email,
        "committee": reviewer.committee.slug,
        "status": reviewer.status,
        "invited_at": reviewer.invited_at,
        "invitation_expires_at": reviewer.invitation_expires_at,
        "accepted_at": reviewer.accepted_at,
        "opinion": entry.opinion or None,
        "opinion_at": reviewer.opinion_at if entry.opinion else None,
        "ended_at": reviewer.ended_at,
        "end_reason": reviewer.end_reason or None,
    }


def _outside_list(user: Any, reference: str) -> dict[str, Any]:
    access_request = review_selectors.review_request_for_user(user=user, reference=reference)
    kept_out = review_selectors.is_recused(user, access_request) or bool(
        conflicts.unwaived_conflicts(user, access_request)
    )
    entries = outside.outside_reviewers_for_committee(
        user=user, access_request=access_request, kept_out=kept_out
    )
    return {
        "reference": access_request.reference,
        "results": [_outside_entry(entry) for entry in entries],
    }


class OutsideReviewersApi(ApiView):
    """The outside reviewers the caller's committee invited to a request: its people read
    them (the address only for its chairs); a chair invites one."""

    @extend_schema(
        operation_id="requests_outside_reviewers_list",
        parameters=[REF],
        responses=OutsideReviewerListSerializer,
    )
    def get(self, request: Request, reference: str) -> Response:
        return Response(_outside_list(request.user, reference))

    @extend_schema(
        operation_id="requests_outside_reviewers_create",
        parameters=[REF],
        request=OutsideInviteSerializer,
        responses={201: OutsideReviewerListSerializer},
    )
    def post(self, request: Request, reference: str) -> Response:
        access_request = review_selectors.review_request_for_user(
            user=request.user, reference=reference
        )
        data = only_fields(json_object(request), {"name", "email", "kind"})
        outside.outside_reviewer_invite(
            access_request=access_request,
            name=data.get("name"),
            email=data.get("email"),
            kind=data.get("kind"),
            actor=_user(request),
        )
        return Response(_outside_list(request.user, reference), status=201)


class OutsideOpinionApi(ApiView):
    """The outside reviewer gives (or revises) their opinion; 404 for anyone else."""

    @extend_schema(
        operation_id="requests_outside_reviewer_opinion",
        parameters=[REF, PUBLIC_ID],
        request=OpinionSerializer,
        responses=OpinionResponseSerializer,
    )
    def post(self, request: Request, reference: str, public_id: str) -> Response:
        reviewer = outside.outside_reviewer_get_for_user(user=request.user, public_id=public_id)
        if reviewer.access_request.reference != reference:
            raise NotFound(outside.NOT_FOUND)
        data = only_fields(json_object(request), {"opinion"})
        reviewer = outside.outside_reviewer_opinion_give(
            reviewer=reviewer, opinion=data.get("opinion"), actor=_user(request)
        )
        return Response(
            {
                "reference": reviewer.access_request.reference,
                "id": str(reviewer.public_id),
                "opinion": reviewer.opinion,
                "opinion_at": reviewer.opinion_at,
            }
        )
