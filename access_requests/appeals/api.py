"""REST for appeals (issue 18): `GET/POST /api/v1/requests/<ref>/appeal/` (where the appeal
stands; the applicant files one with `{statement}`), `POST …/appeal/votes/` (`{vote,
rationale}`, a panel member) and `POST …/appeal/decision/` (`{outcome, reason}`). The
panel's votes and tally are shown to the committees only, never to the applicant."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework import status as http
from rest_framework.request import Request
from rest_framework.response import Response

from access_requests import appeal_panel as panel
from access_requests import selectors
from access_requests.appeals import services
from access_requests.appeals.deliberations import sees_deliberations
from access_requests.models import AccessRequest, Appeal, AppealVote
from dac_portal.api import ApiView

REF = OpenApiParameter("reference", str, OpenApiParameter.PATH)


class AppealSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=["pending", "upheld", "overturned"])
    statement = serializers.CharField()
    hearing_committee = serializers.CharField(help_text="The slug of the committee hearing it.")
    filed_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField(help_text="The panel's reasons, once decided.")
    tally = serializers.DictField(
        required=False, help_text="The panel's votes so far (committees only, while pending)."
    )
    my_vote = serializers.CharField(
        required=False, allow_null=True, help_text="The caller's own vote (committees only)."
    )


class AppealStateSerializer(serializers.Serializer[Any]):
    closes_on = serializers.DateField(
        allow_null=True, help_text="The last day to appeal (null: not decided)."
    )
    appeal = AppealSerializer(allow_null=True)


class AppealFileSerializer(serializers.Serializer[Any]):
    statement = serializers.CharField()


class AppealVoteSerializer(serializers.Serializer[Any]):
    vote = serializers.ChoiceField(choices=["uphold", "overturn", "abstain"])
    rationale = serializers.CharField()


class AppealDecisionSerializer(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(choices=["upheld", "overturned"])
    reason = serializers.CharField()


def _appeal(appeal: Appeal, user: Any) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": str(appeal.public_id),
        "status": appeal.status,
        "statement": appeal.statement,
        "hearing_committee": appeal.hearing_committee.slug,
        "filed_at": appeal.filed_at.isoformat(),
        "decided_at": appeal.decided_at.isoformat() if appeal.decided_at else None,
        "reason": appeal.reason,
    }
    if sees_deliberations(user, appeal.access_request, appeal):
        if appeal.status == "pending":
            shown["tally"] = panel.appeal_tally(appeal).as_dict()
        # Counts, not who voted how (as the review's API): the page shows names.
        shown["my_vote"] = (
            AppealVote.objects.filter(appeal=appeal, voter_id=user.pk)
            .values_list("vote", flat=True)
            .first()
        )
    return shown


def _request(request: Request, reference: str) -> AccessRequest:
    return selectors.access_request_get_for_user(user=request.user, reference=reference, full=False)


def _checked(request: Request, reference: str, action: str) -> AccessRequest:
    """The request, once the caller may fire `action` on it (403/409 before the body is
    read, as the pages do)."""
    access_request = _request(request, reference)
    services.require_may(access_request, request.user, action)
    return access_request


def _text(request: Request, name: str) -> Any:
    data = request.data
    return data.get(name) if hasattr(data, "get") else None


class AppealApi(ApiView):
    @extend_schema(
        operation_id="requests_appeal_retrieve", parameters=[REF], responses=AppealStateSerializer
    )
    def get(self, request: Request, reference: str) -> Response:
        """Until when the rejection may be appealed, and the appeal if there is one."""
        access_request = _request(request, reference)
        appeal = panel.appeal_of(access_request)
        closes_on = panel.appeal_closes_on(access_request)
        return Response(
            {
                "closes_on": closes_on.isoformat() if closes_on else None,
                "appeal": _appeal(appeal, request.user) if appeal else None,
            }
        )

    @extend_schema(
        operation_id="requests_appeal_create",
        parameters=[REF],
        request=AppealFileSerializer,
        responses={201: AppealSerializer},
    )
    def post(self, request: Request, reference: str) -> Response:
        """The applicant appeals the rejection, once, within the committee's window."""
        appeal = services.appeal_file(
            access_request=_checked(request, reference, services.A.APPEAL),
            statement=_text(request, "statement"),
            actor=request.user,  # type: ignore[arg-type]
        )
        return Response(_appeal(appeal, request.user), status=http.HTTP_201_CREATED)


class AppealVotesApi(ApiView):
    @extend_schema(
        operation_id="requests_appeal_votes_create",
        parameters=[REF],
        request=AppealVoteSerializer,
        responses={200: AppealSerializer},
    )
    def post(self, request: Request, reference: str) -> Response:
        """A panel member votes (or changes their vote) on the pending appeal."""
        cast = services.appeal_vote(
            access_request=_checked(request, reference, services.A.VOTE_APPEAL),
            vote=_text(request, "vote"),
            rationale=_text(request, "rationale"),
            actor=request.user,  # type: ignore[arg-type]
        )
        return Response(_appeal(cast.appeal, request.user))


class AppealDecisionApi(ApiView):
    @extend_schema(
        operation_id="requests_appeal_decision_create",
        parameters=[REF],
        request=AppealDecisionSerializer,
        responses={200: AppealSerializer},
    )
    def post(self, request: Request, reference: str) -> Response:
        """A panel member records the panel's decision, with reasons."""
        appeal = services.appeal_decide(
            access_request=_checked(request, reference, services.A.DECIDE_APPEAL),
            outcome=_text(request, "outcome"),
            reason=_text(request, "reason"),
            actor=request.user,  # type: ignore[arg-type]
        )
        return Response(_appeal(appeal, request.user))
