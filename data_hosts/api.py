"""REST endpoints of data_hosts: webhook subscriptions (/api/v1/webhooks/) and the
entitlement changes feed (/api/v1/entitlements/changes/)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status as http
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from agreements.api import EntitlementReaders
from dac_portal.api import ApiView, json_object
from dac_portal.errors import ValidationError
from data_hosts import selectors, services
from data_hosts import serializers as s


class WebhooksApi(ApiView):
    @extend_schema(
        operation_id="webhooks_list", responses=s.WebhookSubscriptionSerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        found = selectors.subscriptions_for(request.user)
        return Response(s.WebhookSubscriptionSerializer(found, many=True).data)

    @extend_schema(
        operation_id="webhooks_create",
        request=s.WebhookInputSerializer,
        responses={201: s.WebhookCreatedSerializer},
    )
    def post(self, request: Request) -> Response:
        body = json_object(request)
        unknown = sorted(set(body) - {"url", "events", "committees", "secret"})
        if unknown:
            raise ValidationError(
                "Unknown fields.", details={f: ["Not a field of a subscription."] for f in unknown}
            )
        subscription, secret = services.subscription_create(
            actor=request.user,
            url=body.get("url"),
            events=body.get("events"),
            committees=body.get("committees"),
            secret=body.get("secret"),
        )
        data = s.WebhookCreatedSerializer(subscription, context={"secret": secret}).data
        return Response(data, status=http.HTTP_201_CREATED)


class WebhookApi(ApiView):
    @extend_schema(
        operation_id="webhooks_retrieve",
        parameters=[OpenApiParameter("webhook", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses=s.WebhookSubscriptionSerializer,
    )
    def get(self, request: Request, webhook: Any) -> Response:
        found = selectors.subscription_get(request.user, webhook)
        return Response(s.WebhookSubscriptionSerializer(found).data)

    @extend_schema(
        operation_id="webhooks_partial_update",
        parameters=[OpenApiParameter("webhook", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        request=s.WebhookInputSerializer,
        responses=s.WebhookSubscriptionSerializer,
    )
    def patch(self, request: Request, webhook: Any) -> Response:
        found = selectors.subscription_get(request.user, webhook)
        changed = services.subscription_update(
            subscription=found, actor=request.user, changes=json_object(request)
        )
        return Response(s.WebhookSubscriptionSerializer(changed).data)

    @extend_schema(
        operation_id="webhooks_destroy",
        parameters=[OpenApiParameter("webhook", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses={204: None},
    )
    def delete(self, request: Request, webhook: Any) -> Response:
        found = selectors.subscription_get(request.user, webhook)
        services.subscription_delete(subscription=found, actor=request.user)
        return Response(status=http.HTTP_204_NO_CONTENT)


class EntitlementChangesApi(ApiView):
    """Every entitlement change in order, after `after` (a cursor from `next_cursor`; 0 or
    absent: from the beginning). Keyset on the change's id: one index range scan a page."""

    permission_classes = [IsAuthenticated, EntitlementReaders]

    @extend_schema(
        operation_id="entitlement_changes_list",
        parameters=[
            OpenApiParameter(
                "after", OpenApiTypes.INT, description="The `next_cursor` of the previous page"
            )
        ],
        responses=s.ChangesPageSerializer,
    )
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("after", "0") or "0"
        if not raw.isdigit() or len(raw) > 18:
            raise ValidationError(
                "Not a cursor.", details={"after": ["A whole number from next_cursor."]}
            )
        cursor = int(raw)
        page = selectors.changes_after(cursor)
        return Response(
            {
                "results": s.EntitlementChangeSerializer(page, many=True).data,
                "next_cursor": page[-1].pk if page else cursor,
            }
        )
