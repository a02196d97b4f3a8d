"""How agreements, grants, sanctions and entitlements look in the REST API (docs/api.md).
Output serializers; the write serializers document request bodies in the schema (the
services check the input themselves)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agreements import rendering, selectors, workflow
from agreements.models import GrantStatus
from agreements.rules import grant_roles


class PersonSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user: Any) -> str:
        return str(user.get_full_name() or user.username)


class CollaboratorAccessSerializer(serializers.Serializer[Any]):
    """A collaborator's own part in the agreement: never the invited address."""

    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField(source="shown_name")
    user = serializers.SerializerMethodField()
    status = serializers.CharField()
    signed_at = serializers.DateTimeField(allow_null=True)
    status_changed_at = serializers.DateTimeField()

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_user(self, access: Any) -> str | None:
        return str(access.user.public_id) if access.user is not None else None


class AgreementSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField(source="access_request.reference")
    template_version = serializers.IntegerField()
    text = serializers.CharField()
    text_sha256 = serializers.CharField()
    html = serializers.SerializerMethodField()
    countersignature_required = serializers.BooleanField()
    signed_at = serializers.DateTimeField(allow_null=True)
    signed_by = PersonSerializer(allow_null=True)
    countersigned_at = serializers.DateTimeField(allow_null=True)
    countersigned_by = PersonSerializer(allow_null=True)
    complete = serializers.BooleanField(source="is_complete")
    collaborators = serializers.SerializerMethodField()

    @extend_schema_field(CollaboratorAccessSerializer(many=True))
    def get_collaborators(self, agreement: Any) -> list[Any]:
        """Each invited collaborator with their status; only `signed` ones are covered."""
        accesses = selectors.collaborators_of(access_request=agreement.access_request)
        return list(CollaboratorAccessSerializer(accesses, many=True).data)

    def get_html(self, agreement: Any) -> str:
        return rendering.to_html(agreement.text)


class SignSerializer(serializers.Serializer[Any]):
    accept = serializers.BooleanField()
    text_sha256 = serializers.CharField(max_length=64)


class CountersignSerializer(serializers.Serializer[Any]):
    text_sha256 = serializers.CharField(max_length=64, required=False)


class GrantSerializer(serializers.Serializer[Any]):
    id = serializers.CharField(source="reference", help_text="The grant's public reference.")
    reference = serializers.CharField()
    dataset = serializers.CharField(source="dataset.accession")
    # Plain text in the schema: a second "status" enum beside the request's would collide
    # in drf-spectacular's component names (the values are GrantStatus's).
    status = serializers.CharField(help_text="One of: " + ", ".join(GrantStatus.values) + ".")
    start = serializers.DateTimeField(source="starts_at", allow_null=True)
    end = serializers.DateTimeField(source="ends_at", allow_null=True)
    request = serializers.CharField(source="access_request.reference")
    committee = serializers.CharField(source="committee.slug")
    holder = PersonSerializer()
    access_days = serializers.IntegerField()
    conditions = serializers.JSONField()
    status_reason = serializers.CharField()
    next_report_due_on = serializers.DateField(allow_null=True)
    allowed_actions = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, grant: Any) -> list[str]:
        user = self.context.get("user")
        return workflow.allowed_actions(grant.status, grant_roles(user, grant))


class ReasonSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000)


class RenewSerializer(serializers.Serializer[Any]):
    justification = serializers.CharField(max_length=10000)


class RenewalDecisionSerializer(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(choices=["approved", "rejected"])
    reason = serializers.CharField(max_length=2000, required=False)


class RenewalVoteWriteSerializer(serializers.Serializer[Any]):
    vote = serializers.ChoiceField(choices=["approve", "reject", "abstain"])
    rationale = serializers.CharField(max_length=2000)


class RenewalTallySerializer(serializers.Serializer[Any]):
    """access_requests.voting.Tally.as_dict(), as a request's review gives it."""

    rule = serializers.CharField(
        help_text="The committee's voting rule: majority, unanimous, chair."
    )
    quorum = serializers.IntegerField()
    eligible = serializers.IntegerField(help_text="Voting members, those in conflict excluded.")
    recused = serializers.IntegerField(help_text="Members kept out by a conflict of interest.")
    voted = serializers.IntegerField()
    approve = serializers.IntegerField()
    reject = serializers.IntegerField()
    abstain = serializers.IntegerField()
    quorum_met = serializers.BooleanField()
    # Plain strings, as in the review's tally: an enum of approved/rejected here would be a
    # second name for the decision's enum (drf-spectacular warns, and the schema check fails).
    allowed = serializers.ListField(
        child=serializers.CharField(),
        help_text="The decisions the voting rule lets the chair record: approved, rejected.",
    )


class RenewalVotesSerializer(serializers.Serializer[Any]):
    renewal = serializers.UUIDField(allow_null=True, help_text="The waiting renewal, if any.")
    by_committee = serializers.BooleanField(help_text="The committee votes on it.")
    my_vote = serializers.ChoiceField(
        choices=["approve", "reject", "abstain"], allow_null=True, help_text="The caller's vote."
    )
    tally = RenewalTallySerializer(
        allow_null=True, help_text="Votes, quorum and what the rule allows (by committee)."
    )


class RenewalSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    status = serializers.CharField()
    justification = serializers.CharField()
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField()
    extended_to = serializers.DateTimeField(allow_null=True)


class FindingsWriteSerializer(serializers.Serializer[Any]):
    """Findings given with a progress report or the holder's close-out (docs/agreements-
    and-grants.md, "Findings and publications"). Each DOI is checked and normalised by
    the service: a bad one is a 400 naming it, and nothing is written."""

    summary = serializers.CharField(
        max_length=4000,
        required=False,
        allow_blank=True,
        help_text="Plain-language summary of findings (required at close-out unless "
        "no_findings_yet).",
    )
    publications = serializers.ListField(
        child=serializers.CharField(max_length=400),
        required=False,
        max_length=50,
        help_text="DOIs: 10.<4-9 digits>/<suffix>; https://doi.org/ and doi: prefixes are "
        "accepted and stored as the bare lower-case DOI.",
    )
    return_of_results = serializers.CharField(
        max_length=4000,
        required=False,
        allow_blank=True,
        help_text="How results return to participants or communities.",
    )
    no_findings_yet = serializers.BooleanField(
        required=False, help_text="Close-out only: there are no findings to report yet."
    )


class FindingsSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    grant = serializers.CharField(source="grant.reference")
    summary = serializers.CharField()
    publications = serializers.ListField(child=serializers.CharField(), source="dois")
    return_of_results = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    status = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)


def _findings_of(row: Any) -> Any:
    """The findings a report or a close-out carried, or None (a reverse one-to-one)."""
    findings = getattr(row, "findings", None)
    return FindingsSerializer(findings).data if findings is not None else None


class ProgressReportWriteSerializer(serializers.Serializer[Any]):
    summary = serializers.CharField(max_length=10000)
    publications = serializers.CharField(max_length=10000, required=False)
    purpose_changes = serializers.CharField(max_length=10000, required=False)
    findings = FindingsWriteSerializer(required=False)


class ProgressReportSerializer(serializers.Serializer[Any]):
    due_on = serializers.DateField()
    summary = serializers.CharField()
    publications = serializers.CharField()
    purpose_changes = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    findings = serializers.SerializerMethodField()

    @extend_schema_field(FindingsSerializer(allow_null=True))
    def get_findings(self, report: Any) -> Any:
        return _findings_of(report)


class StatementSerializer(serializers.Serializer[Any]):
    statement = serializers.CharField(max_length=4000)
    findings = FindingsWriteSerializer(
        required=False, help_text="The holder's findings (left out: none recorded)."
    )


class CloseOutSerializer(serializers.Serializer[Any]):
    researcher_attested_at = serializers.DateTimeField(allow_null=True)
    official_attested_at = serializers.DateTimeField(allow_null=True)
    grant_status = serializers.CharField(source="grant.status")
    findings = serializers.SerializerMethodField()

    @extend_schema_field(FindingsSerializer(allow_null=True))
    def get_findings(self, close_out: Any) -> Any:
        return _findings_of(close_out)


class AcknowledgeSerializer(serializers.Serializer[Any]):
    confirm_deletion = serializers.BooleanField()


class WithdrawalNoticeSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    grant = serializers.CharField(source="grant.reference")
    dataset = serializers.CharField(source="withdrawal.dataset.accession")
    participant_count = serializers.IntegerField(source="withdrawal.participant_count")
    due_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)


class SanctionWriteSerializer(serializers.Serializer[Any]):
    user = serializers.CharField(required=False, help_text="Username of the researcher.")
    institution = serializers.CharField(required=False, help_text="Institution name.")
    reason = serializers.CharField(max_length=2000)
    ends_at = serializers.DateTimeField(required=False)


class SanctionSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    user = serializers.SerializerMethodField()
    institution = serializers.SerializerMethodField()
    reason = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(allow_null=True)
    lifted_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_user(self, sanction: Any) -> str | None:
        return sanction.user.username if sanction.user_id else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_institution(self, sanction: Any) -> str | None:
        return sanction.institution.name if sanction.institution_id else None


class EntitlementSerializer(serializers.Serializer[Any]):
    grant = serializers.CharField(source="reference")
    dataset = serializers.CharField(source="dataset.accession")
    status = serializers.CharField()
    start = serializers.DateTimeField(source="starts_at")
    end = serializers.DateTimeField(source="ends_at")
    holder = serializers.UUIDField(source="holder.public_id")
    users = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_users(self, grant: Any) -> list[str]:
        """Everyone the grant covers: the holder, then the collaborators who signed."""
        users = [str(grant.holder.public_id)]
        for access in getattr(grant.access_request, "signed_collaborators", []):
            users.append(str(access.user.public_id))
        return users


class PassportSerializer(serializers.Serializer[Any]):
    ga4gh_passport_v1 = serializers.ListField(child=serializers.CharField())


class AgreementTemplateSerializer(serializers.Serializer[Any]):
    committee = serializers.CharField(source="committee.slug")
    version = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    placeholders = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_placeholders(self, template: Any) -> dict[str, str]:
        return dict(rendering.PLACEHOLDERS)


class AgreementTemplateWriteSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=50000)


class AgreementPolicySerializer(serializers.Serializer[Any]):
    committee = serializers.CharField(source="committee.slug")
    countersignature_required = serializers.BooleanField()
    withdrawal_deadline_days = serializers.IntegerField()
    progress_report_grace_days = serializers.IntegerField()
    signature_deadline_days = serializers.IntegerField()


class AgreementPolicyWriteSerializer(serializers.Serializer[Any]):
    countersignature_required = serializers.BooleanField(required=False)
    withdrawal_deadline_days = serializers.IntegerField(required=False, min_value=1, max_value=3650)
    progress_report_grace_days = serializers.IntegerField(
        required=False, min_value=0, max_value=3650
    )
    signature_deadline_days = serializers.IntegerField(required=False, min_value=1, max_value=3650)
