"""API shapes of data_hosts (drf-spectacular reads them for the schema)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from data_hosts.models import EntitlementChange, WebhookEvent, WebhookSubscription


class WebhookSubscriptionSerializer(serializers.ModelSerializer[WebhookSubscription]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    committees = serializers.SerializerMethodField()

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "committees", "active", "created_at", "updated_at"]

    def get_committees(self, obj: WebhookSubscription) -> list[str]:
        return sorted(c.slug for c in obj.committees.all())


class WebhookCreatedSerializer(WebhookSubscriptionSerializer):
    """The answer to a creation: the secret, shown this once."""

    secret = serializers.SerializerMethodField()

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]

    def get_secret(self, obj: Any) -> str:
        return str(self.context["secret"])


class WebhookInputSerializer(serializers.Serializer[Any]):
    """For the schema only: the services validate the body (400 with the reasons)."""

    url = serializers.URLField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))
    committees = serializers.ListField(child=serializers.SlugField(), required=False)
    secret = serializers.CharField(required=False)
    active = serializers.BooleanField(required=False)


class EntitlementChangeSerializer(serializers.ModelSerializer[EntitlementChange]):
    cursor = serializers.IntegerField(source="pk", read_only=True)
    grant = serializers.CharField(source="grant_reference")
    user = serializers.UUIDField(source="user_public_id")
    dataset = serializers.CharField(source="dataset_accession")

    class Meta:
        model = EntitlementChange
        fields = [
            "cursor",
            "grant",
            "user",
            "dataset",
            "status",
            "entitled",
            "ends_at",
            "occurred_at",
        ]


class ChangesPageSerializer(serializers.Serializer[Any]):
    results = EntitlementChangeSerializer(many=True)
    next_cursor = serializers.IntegerField()
