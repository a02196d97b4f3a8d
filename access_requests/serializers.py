"""How access requests look in the REST API (docs/api.md). Output only: the input is checked by
access_requests.validation, strictly, so the write serializers below exist to document
the request bodies in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from access_requests import progress
from access_requests.models import ATTESTATIONS, Document, RequestStatus
from access_requests.rules import allowed_actions_for
from access_requests.workflow import Action

CONSENT_RESULTS = ["compatible", "incompatible", "needs_review"]
# Text, not an enum, in the schema: the consent API already publishes this choice set under
# its own name, and drf-spectacular warns (check --deploy fails) when one set has two names.
_CONSENT_RESULT_HELP = "compatible, incompatible or needs_review; null until submission."
DECISIONS = ["approved", "rejected"]


def _blank_to_none(value: str) -> str | None:
    return value or None


class ApplicantSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    name = serializers.SerializerMethodField()

    def get_name(self, user: Any) -> str:
        return str(user.get_full_name() or user.username)


class RequestedDatasetSerializer(serializers.Serializer[Any]):
    accession = serializers.CharField(source="dataset.accession")
    title = serializers.CharField(source="dataset.title")
    consent_result = serializers.SerializerMethodField()
    consent = serializers.JSONField(source="consent_evaluation", allow_null=True)
    scope_version = serializers.IntegerField(allow_null=True)
    decision = serializers.SerializerMethodField()
    decision_reason = serializers.CharField()
    decision_conditions = serializers.ListField(child=serializers.CharField())
    decision_scope_version = serializers.IntegerField(allow_null=True)
    committee = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.CharField(allow_null=True, help_text="The slug of the deciding committee.")
    )
    def get_committee(self, row: Any) -> str | None:
        return row.committee.slug if row.committee_id else None

    @extend_schema_field(serializers.CharField(allow_null=True, help_text=_CONSENT_RESULT_HELP))
    def get_consent_result(self, row: Any) -> str | None:
        return _blank_to_none(row.consent_result)

    @extend_schema_field(serializers.ChoiceField(choices=DECISIONS, allow_null=True))
    def get_decision(self, row: Any) -> str | None:
        return _blank_to_none(row.decision)


class CollaboratorSerializer(serializers.Serializer[Any]):
    """A collaborator named by username shows the applicant only that username, whether or
    not an account holds it (no probing for accounts); the committee and others who may see
    the request also see the linked account's name and institution (empty when none)."""

    username = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()
    institution = serializers.SerializerMethodField()
    email = serializers.CharField()

    def _sees_account(self, c: Any) -> bool:
        viewer = self.context.get("user")
        applicant_id = c.access_request.applicant_id
        return bool(c.user_id) and viewer is not None and viewer.pk != applicant_id

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_username(self, c: Any) -> str | None:
        return c.shown_username or None

    def get_name(self, c: Any) -> str:
        if not c.shown_username:
            return str(c.name)
        if self._sees_account(c):
            return str(c.user.get_full_name() or c.user.username)
        return str(c.shown_username)

    def get_institution(self, c: Any) -> str:
        if not c.shown_username:
            return str(c.institution_name)
        if self._sees_account(c) and c.user.institution_id:
            return str(c.user.institution.name)
        return ""


class DocumentSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    kind = serializers.ChoiceField(choices=Document.Kind.choices)
    filename = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()

    def get_url(self, document: Any) -> str:
        return (
            f"/api/v1/requests/{document.access_request.reference}/documents/{document.public_id}/"
        )


class AttestationsSerializer(serializers.Serializer[Any]):
    no_reidentification = serializers.BooleanField()
    no_stigmatisation = serializers.BooleanField()
    security_measures = serializers.BooleanField()
    publication_and_benefit_sharing = serializers.BooleanField()


OUTCOME_HELP = (
    "Once decided: `approved`, `partly_approved` (some datasets approved, others "
    "rejected) or `rejected`; null before."
)


class RequestSummarySerializer(serializers.Serializer[Any]):
    """A row of the list: what it takes to show the request and its state."""

    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=RequestStatus.choices)
    outcome = serializers.SerializerMethodField()
    revision = serializers.IntegerField()
    title = serializers.CharField()
    committee = serializers.SerializerMethodField()
    committees = serializers.SerializerMethodField()
    datasets = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    review_due_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(
        serializers.ChoiceField(
            choices=list(progress.OUTCOME_LABELS), allow_null=True, help_text=OUTCOME_HELP
        )
    )
    def get_outcome(self, obj: Any) -> str | None:
        return progress.outcome_of(obj)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_committee(self, obj: Any) -> str | None:
        return obj.committee.slug if obj.committee_id else None

    @extend_schema_field(
        serializers.ListField(
            child=serializers.CharField(),
            help_text="Every committee that decides a dataset of the request, the lead "
            "committee (`committee`) first.",
        )
    )
    def get_committees(self, obj: Any) -> list[str]:
        slugs: list[str] = []
        for row in obj.requested_datasets.all():
            slug = row.committee.slug if row.committee_id else None
            if slug and slug not in slugs:
                slugs.append(slug)
        if not slugs and obj.committee_id:
            slugs.append(obj.committee.slug)
        return slugs

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_datasets(self, obj: Any) -> list[str]:
        return [row.dataset.accession for row in obj.requested_datasets.all()]


class ProgressStepSerializer(serializers.Serializer[Any]):
    step = serializers.ChoiceField(
        choices=["submitted", "endorsed", "under_review", "decided", "agreement", "grant"]
    )
    title = serializers.CharField(help_text="The step in the reader's language.")
    state = serializers.ChoiceField(choices=["done", "current", "todo", "skipped"])


class RequestDetailSerializer(RequestSummarySerializer):
    lay_summary = serializers.CharField()
    research_use_statement = serializers.CharField()
    purpose = serializers.JSONField(allow_null=True)
    applicant = ApplicantSerializer()
    institution = serializers.SerializerMethodField()
    datasets = RequestedDatasetSerializer(source="requested_datasets", many=True)  # type: ignore[assignment]
    collaborators = CollaboratorSerializer(many=True)
    attestations = serializers.SerializerMethodField()
    documents = DocumentSerializer(many=True)
    endorsed_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    allowed_actions = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    @extend_schema_field(ProgressStepSerializer(many=True))
    def get_progress(self, obj: Any) -> list[dict[str, str]]:
        return [step.as_dict() for step in progress.steps(obj)]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_institution(self, obj: Any) -> str | None:
        return obj.institution.name if obj.institution_id else None

    @extend_schema_field(AttestationsSerializer)
    def get_attestations(self, obj: Any) -> dict[str, bool]:
        return dict(obj.attestations())

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=[a.value for a in Action]))
    )
    def get_allowed_actions(self, obj: Any) -> list[str]:
        return allowed_actions_for(self.context["user"], obj)


class StatusDatasetSerializer(serializers.Serializer[Any]):
    accession = serializers.CharField()
    decision = serializers.ChoiceField(choices=DECISIONS, allow_null=True)
    consent_result = serializers.CharField(allow_null=True, help_text=_CONSENT_RESULT_HELP)


class StatusSerializer(serializers.Serializer[Any]):
    """Documents `status/`, which the view builds by hand (it is the polled endpoint)."""

    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=RequestStatus.choices)
    outcome = serializers.ChoiceField(
        choices=list(progress.OUTCOME_LABELS), allow_null=True, help_text=OUTCOME_HELP
    )
    updated_at = serializers.DateTimeField()
    datasets = StatusDatasetSerializer(many=True)


class EventSerializer(serializers.Serializer[Any]):
    seq = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    action = serializers.CharField()
    actor = serializers.CharField(source="actor_label")
    # A declared field named "data": DRF moves it off the class, Serializer.data stays.
    data = serializers.JSONField()  # type: ignore[assignment]


class _Page(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)


class RequestPageSerializer(_Page):
    results = RequestSummarySerializer(many=True)


class EventPageSerializer(_Page):
    results = EventSerializer(many=True)


# -- request bodies (documentation) ---------------------------------------------------------


class PurposeSerializer(serializers.Serializer[Any]):
    diseases = serializers.ListField(child=serializers.CharField(), required=False)
    hmb = serializers.BooleanField(required=False)
    population_origins = serializers.BooleanField(required=False)
    methods_development = serializers.BooleanField(required=False)
    controls = serializers.BooleanField(required=False)
    commercial = serializers.BooleanField(required=False)
    for_profit = serializers.BooleanField(required=False)
    genetic_studies = serializers.BooleanField(required=False)


class CollaboratorWriteSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(required=False)
    name = serializers.CharField(required=False)
    institution = serializers.CharField(required=False)
    email = serializers.EmailField(required=False)


class RequestWriteSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(required=False, max_length=300)
    lay_summary = serializers.CharField(required=False)
    research_use_statement = serializers.CharField(required=False)
    purpose = PurposeSerializer(required=False)
    datasets = serializers.ListField(child=serializers.CharField())
    collaborators = CollaboratorWriteSerializer(many=True, required=False)
    attestations = AttestationsSerializer(required=False)


class RequestPatchSerializer(RequestWriteSerializer):
    datasets = serializers.ListField(child=serializers.CharField(), required=False)


class WithdrawSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(required=False, max_length=2000)


class DocumentUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=Document.Kind.choices, required=False)


ATTESTATION_KEYS = list(ATTESTATIONS)
