"""REST endpoints of the committee review (docs/api.md): votes/, recuse/, request-changes/ and
decision/. Thin: parse the body, call one service, answer. A caller who cannot see the
request gets 404; the workflow tables decide 403/409 inside the services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from access_requests import selectors
from access_requests.api import REF, _fresh, _user
from access_requests.review import selectors as review_selectors
from access_requests.review import services as review_services
from access_requests.serializers import RequestDetailSerializer
from accounts.api_permissions import WITH_RECENT_AUTHENTICATION
from accounts.models import User
from accounts.roles import committee_person
from dac_portal.api import ApiView, json_object
from dac_portal.errors import PermissionDenied, ValidationError


def _only(data: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationError("Unknown fields.", details={k: ["Unknown field."] for k in unknown})
    return data


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
        data = _only(json_object(request), {"dataset", "vote", "rationale"})
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
        data = _only(json_object(request), {"reason"})
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
        data = _only(json_object(request), {"member", "reason"})
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
        data = _only(json_object(request), {"message"})
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
        data = _only(json_object(request), {"decisions"})
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
        data = _only(json_object(request), {"requests", "decision", "reason", "conditions"})
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
