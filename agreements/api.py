"""REST endpoints for agreements, grants, sanctions, entitlements and GA4GH passports
(docs/api.md). Thin: each parses with a serializer, calls one selector or service, renders."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status as http
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api_permissions import WITH_RECENT_AUTHENTICATION, rule_allows
from accounts.models import Institution
from agreements import selectors, services, visas, workflow
from agreements import serializers as s
from agreements.models import GrantStatus
from agreements.rules import grant_roles
from dac_portal.api import (
    PAGE,
    PAGE_SIZE,
    ApiView,
    PageNumberPagination,
    json_object,
    paginated_response_schema,
)
from dac_portal.errors import NotFound, PermissionDenied, ValidationError

REF = OpenApiParameter("reference", OpenApiTypes.STR, OpenApiParameter.PATH)
GRANT = OpenApiParameter("grant", OpenApiTypes.STR, OpenApiParameter.PATH)
FINDINGS = OpenApiParameter("findings", OpenApiTypes.UUID, OpenApiParameter.PATH)


def _actor(request: Request) -> Any:
    """The authenticated caller (the default permissions refused anonymous ones)."""
    return request.user


def _valid(serializer_class: Any, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=json_object(request))
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _findings_in(data: dict[str, Any]) -> dict[str, Any] | None:
    """The validated `findings` object as the services take it (None when left out)."""
    findings = data.get("findings")
    return dict(findings) if findings is not None else None


# -- agreements ------------------------------------------------------------------------------


def _agreement(request: Request, reference: str) -> Response:
    agreement = selectors.agreement_get_for_user(user=request.user, reference=reference)
    return Response(s.AgreementSerializer(agreement).data)


class AgreementApi(ApiView):
    @extend_schema(
        operation_id="agreement_retrieve", parameters=[REF], responses=s.AgreementSerializer
    )
    def get(self, request: Request, reference: str) -> Response:
        return _agreement(request, reference)


class AgreementSignApi(ApiView):
    @extend_schema(
        operation_id="agreement_sign",
        parameters=[REF],
        request=s.SignSerializer,
        responses=s.AgreementSerializer,
    )
    def post(self, request: Request, reference: str) -> Response:
        agreement = selectors.agreement_get_for_user(user=request.user, reference=reference)
        data = _valid(s.SignSerializer, request)
        services.agreement_sign(
            agreement=agreement,
            actor=_actor(request),
            text_sha256=data["text_sha256"],
            accept=data["accept"],
        )
        return _agreement(request, reference)


class AgreementCountersignApi(ApiView):
    @extend_schema(
        operation_id="agreement_countersign",
        parameters=[REF],
        request=s.CountersignSerializer,
        responses=s.AgreementSerializer,
    )
    def post(self, request: Request, reference: str) -> Response:
        agreement = selectors.agreement_get_for_user(user=request.user, reference=reference)
        data = _valid(s.CountersignSerializer, request)
        services.agreement_countersign(
            agreement=agreement, actor=_actor(request), text_sha256=data.get("text_sha256")
        )
        return _agreement(request, reference)


# -- grants ----------------------------------------------------------------------------------


def _grant(request: Request, reference: str) -> Response:
    grant = selectors.grant_get_for_user(user=request.user, reference=reference)
    return Response(s.GrantSerializer(grant, context={"user": request.user}).data)


class GrantListApi(ApiView):
    @extend_schema(
        operation_id="grants_list",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=[c[0] for c in GrantStatus.choices]),
            OpenApiParameter("dataset", OpenApiTypes.STR),
            PAGE,
            PAGE_SIZE,
        ],
        responses=paginated_response_schema(s.GrantSerializer(), "PaginatedGrantList"),
    )
    def get(self, request: Request) -> Response:
        queryset = selectors.grant_list_for_user(
            user=request.user,
            status=request.query_params.get("status") or None,
            dataset=request.query_params.get("dataset") or None,
        )
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        data = s.GrantSerializer(page, many=True, context={"user": request.user}).data
        return paginator.get_paginated_response(data)


class GrantDetailApi(ApiView):
    @extend_schema(operation_id="grants_retrieve", parameters=[GRANT], responses=s.GrantSerializer)
    def get(self, request: Request, grant: str) -> Response:
        return _grant(request, grant)


class _OversightApi(ApiView):
    service: Any = None

    def post(self, request: Request, grant: str) -> Response:
        found = selectors.grant_get_for_user(user=request.user, reference=grant)
        data = _valid(s.ReasonSerializer, request)
        type(self).service(grant=found, actor=_actor(request), reason=data["reason"])
        return _grant(request, grant)


def _oversight_schema(name: str) -> Any:
    return extend_schema(
        operation_id=f"grants_{name}",
        parameters=[GRANT],
        request=s.ReasonSerializer,
        responses=s.GrantSerializer,
    )


class GrantSuspendApi(_OversightApi):
    service = staticmethod(services.grant_suspend)

    @_oversight_schema("suspend")
    def post(self, request: Request, grant: str) -> Response:
        return super().post(request, grant)


class GrantRevokeApi(_OversightApi):
    # A browser session must have checked the password lately (accounts.sessions).
    permission_classes = WITH_RECENT_AUTHENTICATION
    service = staticmethod(services.grant_revoke)

    @_oversight_schema("revoke")
    def post(self, request: Request, grant: str) -> Response:
        return super().post(request, grant)


class GrantReinstateApi(_OversightApi):
    service = staticmethod(services.grant_reinstate)

    @_oversight_schema("reinstate")
    def post(self, request: Request, grant: str) -> Response:
        return super().post(request, grant)


class GrantRenewApi(ApiView):
    @extend_schema(
        operation_id="grants_renew",
        parameters=[GRANT],
        request=s.RenewSerializer,
        responses={201: s.RenewalSerializer},
    )
    def post(self, request: Request, grant: str) -> Response:
        found = selectors.grant_get_for_user(user=request.user, reference=grant)
        data = _valid(s.RenewSerializer, request)
        renewal = services.grant_renewal_request(
            grant=found, actor=_actor(request), justification=data["justification"]
        )
        return Response(s.RenewalSerializer(renewal).data, status=http.HTTP_201_CREATED)


class GrantRenewalDecisionApi(ApiView):
    @extend_schema(
        operation_id="grants_renewal_decision",
        parameters=[GRANT],
        request=s.RenewalDecisionSerializer,
        responses=s.RenewalSerializer,
    )
    def post(self, request: Request, grant: str) -> Response:
        found = selectors.grant_get_for_user(user=request.user, reference=grant)
        data = _valid(s.RenewalDecisionSerializer, request)
        renewal = services.grant_renewal_decide(
            grant=found,
            actor=_actor(request),
            decision=data["decision"],
            reason=data.get("reason", ""),
        )
        return Response(s.RenewalSerializer(renewal).data)


def _renewal_votes(grant: Any, user: Any) -> dict[str, Any]:
    renewal = grant.renewals.filter(status="pending").first()
    if renewal is None:
        return {"renewal": None, "by_committee": False, "my_vote": None, "tally": None}
    mine = renewal.votes.filter(voter_id=user.pk).values_list("vote", flat=True).first()
    return {
        "renewal": str(renewal.public_id),
        "by_committee": renewal.by_committee,
        "my_vote": mine,
        "tally": selectors.renewal_tally(renewal).as_dict() if renewal.by_committee else None,
    }


class GrantRenewalVotesApi(ApiView):
    """The committee's votes on a waiting renewal it decides (counts, not who voted how)."""

    def _grant_for_committee(self, request: Request, grant: str) -> Any:
        found = selectors.grant_get_for_user(user=request.user, reference=grant)
        roles = grant_roles(request.user, found)
        if not roles & workflow.RENEWAL_VOTE_READERS:
            raise PermissionDenied("Only the committee's voting members and chairs.")
        return found

    @extend_schema(
        operation_id="grants_renewal_votes_retrieve",
        parameters=[GRANT],
        responses=s.RenewalVotesSerializer,
    )
    def get(self, request: Request, grant: str) -> Response:
        found = self._grant_for_committee(request, grant)
        return Response(_renewal_votes(found, request.user))

    @extend_schema(
        operation_id="grants_renewal_votes_create",
        parameters=[GRANT],
        request=s.RenewalVoteWriteSerializer,
        responses=s.RenewalVotesSerializer,
    )
    def post(self, request: Request, grant: str) -> Response:
        found = self._grant_for_committee(request, grant)
        workflow.MACHINE.check(
            found.status, workflow.Action.VOTE_RENEWAL, grant_roles(request.user, found)
        )
        data = _valid(s.RenewalVoteWriteSerializer, request)
        services.grant_renewal_vote(
            grant=found, actor=_actor(request), vote=data["vote"], rationale=data["rationale"]
        )
        return Response(_renewal_votes(found, request.user))


class GrantProgressReportApi(ApiView):
    @extend_schema(
        operation_id="grants_progress_report",
        parameters=[GRANT],
        request=s.ProgressReportWriteSerializer,
        responses={201: s.ProgressReportSerializer},
    )
    def post(self, request: Request, grant: str) -> Response:
        found = selectors.grant_get_for_user(user=request.user, reference=grant)
        data = _valid(s.ProgressReportWriteSerializer, request)
        data["findings"] = _findings_in(data)
        report = services.progress_report_submit(grant=found, actor=_actor(request), **data)
        return Response(s.ProgressReportSerializer(report).data, status=http.HTTP_201_CREATED)


class GrantCloseOutApi(ApiView):
    @extend_schema(
        operation_id="grants_close_out",
        parameters=[GRANT],
        request=s.StatementSerializer,
        responses=s.CloseOutSerializer,
    )
    def post(self, request: Request, grant: str) -> Response:
        found = selectors.grant_get_for_user(user=request.user, reference=grant)
        data = _valid(s.StatementSerializer, request)
        close_out = services.grant_attest_destruction(
            grant=found,
            actor=_actor(request),
            statement=data["statement"],
            findings=_findings_in(data),
        )
        return Response(s.CloseOutSerializer(close_out).data)


class GrantFindingsPublicationApi(ApiView):
    """The committee publishes findings on the public register (POST) or withdraws them
    (DELETE); both answer the findings as they now stand."""

    def _findings(self, request: Request, grant: str, findings: str) -> Any:
        found = selectors.grant_get_for_user(user=request.user, reference=grant)
        return selectors.findings_get(grant=found, findings_id=findings)

    @extend_schema(
        operation_id="grants_findings_publish",
        parameters=[GRANT, FINDINGS],
        request=None,
        responses=s.FindingsSerializer,
    )
    def post(self, request: Request, grant: str, findings: str) -> Response:
        published = services.findings_publish(
            findings=self._findings(request, grant, findings), actor=_actor(request)
        )
        return Response(s.FindingsSerializer(published).data)

    @extend_schema(
        operation_id="grants_findings_unpublish",
        parameters=[GRANT, FINDINGS],
        responses=s.FindingsSerializer,
    )
    def delete(self, request: Request, grant: str, findings: str) -> Response:
        withdrawn = services.findings_unpublish(
            findings=self._findings(request, grant, findings), actor=_actor(request)
        )
        return Response(s.FindingsSerializer(withdrawn).data)


class WithdrawalAcknowledgeApi(ApiView):
    @extend_schema(
        operation_id="grants_withdrawal_acknowledge",
        parameters=[GRANT, OpenApiParameter("notice", OpenApiTypes.STR, OpenApiParameter.PATH)],
        request=s.AcknowledgeSerializer,
        responses=s.WithdrawalNoticeSerializer,
    )
    def post(self, request: Request, grant: str, notice: str) -> Response:
        found = selectors.grant_get_for_user(user=request.user, reference=grant)
        notice_row = selectors.withdrawal_notice_get_for_user(
            user=request.user, grant=found, notice_id=notice
        )
        data = _valid(s.AcknowledgeSerializer, request)
        notice_row = services.withdrawal_acknowledge(
            notice=notice_row, actor=_actor(request), confirm_deletion=data["confirm_deletion"]
        )
        return Response(s.WithdrawalNoticeSerializer(notice_row).data)


# -- sanctions -------------------------------------------------------------------------------


SanctionManagers = rule_allows(
    "sanction.manage", "Only administrators and committee chairs manage sanctions."
)


class SanctionListApi(ApiView):
    permission_classes = [IsAuthenticated, SanctionManagers]

    @extend_schema(
        operation_id="sanctions_list",
        parameters=[
            PAGE,
            PAGE_SIZE,
        ],
        responses=paginated_response_schema(s.SanctionSerializer(), "PaginatedSanctionList"),
    )
    def get(self, request: Request) -> Response:
        queryset = selectors.sanction_list_for_user(user=request.user)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(s.SanctionSerializer(page, many=True).data)

    @extend_schema(
        operation_id="sanctions_create",
        request=s.SanctionWriteSerializer,
        responses={201: s.SanctionSerializer},
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.SanctionWriteSerializer, request)
        user = institution = None
        if data.get("user"):
            user = get_user_model().objects.filter(username=data["user"][:150]).first()
            if user is None:
                raise ValidationError("Unknown user.", details={"user": ["No such user."]})
        if data.get("institution"):
            institution = Institution.objects.filter(name=data["institution"][:255]).first()
            if institution is None:
                raise ValidationError(
                    "Unknown institution.", details={"institution": ["No such institution."]}
                )
        sanction = services.sanction_impose(
            actor=_actor(request),
            reason=data["reason"],
            user=user,
            institution=institution,
            ends_at=data.get("ends_at"),
        )
        return Response(s.SanctionSerializer(sanction).data, status=http.HTTP_201_CREATED)


class SanctionLiftApi(ApiView):
    permission_classes = [IsAuthenticated, SanctionManagers]

    @extend_schema(
        operation_id="sanctions_lift",
        parameters=[OpenApiParameter("sanction", OpenApiTypes.STR, OpenApiParameter.PATH)],
        request=s.ReasonSerializer,
        responses=s.SanctionSerializer,
    )
    def post(self, request: Request, sanction: str) -> Response:
        found = selectors.sanction_get_for_user(user=request.user, sanction_id=sanction)
        data = _valid(s.ReasonSerializer, request)
        found = services.sanction_lift(sanction=found, actor=_actor(request), reason=data["reason"])
        return Response(s.SanctionSerializer(found).data)


# -- entitlements and passports --------------------------------------------------------------


# Data hosts' service accounts and administrators: the one API view service-account tokens
# may use (accounts.api_permissions refuses them everywhere else).
EntitlementReaders = rule_allows(
    "entitlements.read",
    "Only data hosts (service accounts) and administrators read entitlements.",
)


def _user_by_reference(value: str) -> Any:
    import uuid

    model = get_user_model()
    try:
        return model.objects.filter(public_id=uuid.UUID(value)).first()
    except ValueError:
        username = selectors.clean_param(value, 150)
        return model.objects.filter(username=username).first() if username else None


class EntitlementsApi(ApiView):
    permission_classes = [IsAuthenticated, EntitlementReaders]

    @extend_schema(
        operation_id="entitlements_list",
        parameters=[
            OpenApiParameter("user", OpenApiTypes.STR, description="User id (UUID) or username"),
            OpenApiParameter("dataset", OpenApiTypes.STR, description="Dataset accession"),
            PAGE,
            PAGE_SIZE,
        ],
        responses=paginated_response_schema(s.EntitlementSerializer(), "PaginatedEntitlementList"),
    )
    def get(self, request: Request) -> Response:
        wanted = request.query_params.get("user")
        paginator = PageNumberPagination()
        if wanted:
            user = _user_by_reference(wanted)
            if user is None:
                paginator.paginate_queryset([], request, view=self)
                return paginator.get_paginated_response([])
        else:
            user = None
        queryset = selectors.entitlements(
            now=timezone.now(), user=user, dataset=request.query_params.get("dataset") or None
        )
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(s.EntitlementSerializer(page, many=True).data)


class PassportApi(ApiView):
    @extend_schema(operation_id="me_passport", responses=s.PassportSerializer)
    def get(self, request: Request) -> Response:
        now = timezone.now()
        grants = list(selectors.grants_covering(user=request.user, now=now))
        return Response(visas.passport(grants=grants, user=request.user, now=now))


# -- agreement templates ---------------------------------------------------------------------


class AgreementTemplateApi(ApiView):
    """The committee's current agreement template (anyone signed in may read it: applicants
    should know what they will sign); stewards and the chair add a new version."""

    @extend_schema(
        operation_id="agreement_template_retrieve",
        parameters=[OpenApiParameter("committee", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses=s.AgreementTemplateSerializer,
    )
    def get(self, request: Request, committee: str) -> Response:
        found = selectors.committee_get(slug=committee)
        template = selectors.current_template(found)
        if template is None:
            raise NotFound("This committee has no agreement template yet.")
        return Response(s.AgreementTemplateSerializer(template).data)

    @extend_schema(
        operation_id="agreement_template_create",
        parameters=[OpenApiParameter("committee", OpenApiTypes.STR, OpenApiParameter.PATH)],
        request=s.AgreementTemplateWriteSerializer,
        responses={201: s.AgreementTemplateSerializer},
    )
    def post(self, request: Request, committee: str) -> Response:
        found = selectors.committee_get(slug=committee)
        data = _valid(s.AgreementTemplateWriteSerializer, request)
        template = services.agreement_template_create(
            committee=found, title=data["title"], body=data["body"], actor=_actor(request)
        )
        return Response(s.AgreementTemplateSerializer(template).data, status=http.HTTP_201_CREATED)


class AgreementPolicyApi(ApiView):
    """The committee's agreement policy: anyone signed in reads it, the chair changes it."""

    @extend_schema(
        operation_id="agreement_policy_retrieve",
        parameters=[OpenApiParameter("committee", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses=s.AgreementPolicySerializer,
    )
    def get(self, request: Request, committee: str) -> Response:
        found = selectors.committee_get(slug=committee)
        return Response(s.AgreementPolicySerializer(selectors.policy_for(found)).data)

    @extend_schema(
        operation_id="agreement_policy_partial_update",
        parameters=[OpenApiParameter("committee", OpenApiTypes.STR, OpenApiParameter.PATH)],
        request=s.AgreementPolicyWriteSerializer,
        responses=s.AgreementPolicySerializer,
    )
    def patch(self, request: Request, committee: str) -> Response:
        found = selectors.committee_get(slug=committee)
        data = _valid(s.AgreementPolicyWriteSerializer, request)
        policy = services.agreement_policy_set(committee=found, actor=_actor(request), **data)
        return Response(s.AgreementPolicySerializer(policy).data)
