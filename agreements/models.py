"""Data use agreements, grants and what follows them: renewals, progress reports,
close-outs, sanctions and consent-withdrawal notices.

Only agreements.services change these rows (status above all); the models hold data and
the invariants the database can guard by itself.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access_requests.models import AccessRequest, Collaborator, RequestedDataset
from accounts.models import Committee, Institution
from agreements import collaborator_workflow, findings_workflow, workflow
from consent.models import ConsentWithdrawal, Dataset

GRANT_REFERENCE_PATTERN = r"^GRT-[0-9A-HJ-NP-Z]{10}$"
# Crockford-like alphabet: no I or O, so a reference read aloud is not misread.
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_grant_reference() -> str:
    """GRT- and ten random characters (~50 bits): unguessable and collision-free in
    practice; the unique constraint is the backstop."""
    return "GRT-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(10))


class AgreementPolicy(models.Model):
    """The committee's settings for agreements and grants. Kept here rather than on
    accounts.Committee so this app owns them; a committee without a row uses the defaults
    (see agreements.selectors.policy_for)."""

    committee = models.OneToOneField(
        Committee, on_delete=models.CASCADE, related_name="agreement_policy"
    )
    countersignature_required = models.BooleanField(
        _("countersignature required"),
        default=True,
        help_text=_("The signing official of the applicant's institution must countersign."),
    )
    withdrawal_deadline_days = models.PositiveIntegerField(
        _("days to delete withdrawn participants' data"),
        default=30,
        validators=[MinValueValidator(1)],
    )
    progress_report_grace_days = models.PositiveIntegerField(
        _("grace period for overdue progress reports (days)"), default=30
    )
    # An approval is an offer: unsigned, it lapses (its pending grants are revoked) so that
    # an approval given years ago cannot be taken up against today's consent and policy.
    signature_deadline_days = models.PositiveIntegerField(
        _("days the applicant has to sign the agreement"),
        default=90,
        validators=[MinValueValidator(1)],
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "agreement policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawal_deadline_days__gte=1), name="agreement_policy_deadline"
            )
        ]

    def __str__(self) -> str:
        return f"Agreement policy of {self.committee}"


class AgreementTemplate(models.Model):
    """One version of a committee's data use agreement, in Markdown with placeholders
    ({{ reference }}, {{ datasets }}, {{ conditions }} … see agreements.rendering). Never
    edited: a new version supersedes the previous one; agreements keep the one they used."""

    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="agreement_templates"
    )
    version = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text (Markdown)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["committee", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "version"], name="agreement_template_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.committee.slug} DUA v{self.version}"

    @property
    def audit_type(self) -> str:
        return "agreement_template"

    @property
    def audit_id(self) -> str:
        return f"{self.committee.slug}/v{self.version}"


class Agreement(models.Model):
    """The agreement of one approved request: the exact text the parties see (rendered
    from the template with the request, datasets and conditions), its SHA-256, and the
    signatures. A signature records the hash of the text the signer was shown."""

    access_request = models.OneToOneField(
        AccessRequest, on_delete=models.PROTECT, related_name="agreement"
    )
    template = models.ForeignKey(AgreementTemplate, on_delete=models.PROTECT, related_name="+")
    template_version = models.PositiveIntegerField()
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    countersignature_required = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)

    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_ip = models.GenericIPAddressField(null=True, blank=True)
    signed_text_sha256 = models.CharField(max_length=64, blank=True)

    countersigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    countersigned_at = models.DateTimeField(null=True, blank=True)
    countersigned_ip = models.GenericIPAddressField(null=True, blank=True)
    countersigned_text_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True) | Q(signed_text_sha256=models.F("text_sha256")),
                name="agreement_signed_text_matches",
            ),
            models.CheckConstraint(
                condition=Q(countersigned_at__isnull=True) | Q(signed_at__isnull=False),
                name="agreement_countersigned_after_signed",
            ),
        ]

    def __str__(self) -> str:
        return f"Agreement for {self.access_request.reference}"

    @property
    def audit_type(self) -> str:
        return "agreement"

    @property
    def audit_id(self) -> str:
        return self.access_request.reference

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def is_complete(self) -> bool:
        """Signed, and countersigned where required: the grants may be active."""
        return self.is_signed and (
            not self.countersignature_required or self.countersigned_at is not None
        )


class GrantStatus(models.TextChoices):
    PENDING = workflow.Status.PENDING.value, _("Pending signature")
    ACTIVE = workflow.Status.ACTIVE.value, _("Active")
    SUSPENDED = workflow.Status.SUSPENDED.value, _("Suspended")
    EXPIRED = workflow.Status.EXPIRED.value, _("Expired")
    REVOKED = workflow.Status.REVOKED.value, _("Revoked")
    CLOSED = workflow.Status.CLOSED.value, _("Closed")


class SuspensionKind(models.TextChoices):
    COMMITTEE = "committee", _("By the committee")
    SANCTION = "sanction", _("Sanction")
    PROGRESS_REPORT = "progress_report", _("Progress report overdue")
    ETHICS_APPROVAL = "ethics_approval", _("Ethics approval lapsed")


class Grant(models.Model):
    """Access of one researcher (and the request's listed collaborators) to one dataset
    for a period. Created pending at approval; the period starts when it becomes active."""

    reference = models.CharField(max_length=14, unique=True, default=new_grant_reference)
    access_request = models.ForeignKey(
        AccessRequest, on_delete=models.PROTECT, related_name="grants"
    )
    requested_dataset = models.OneToOneField(
        RequestedDataset, on_delete=models.PROTECT, related_name="grant"
    )
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="grants")
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="grants")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grants"
    )
    status = models.CharField(max_length=12, choices=GrantStatus.choices, default="pending")
    access_days = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    conditions = models.JSONField(default=list, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    suspension_kind = models.CharField(max_length=20, choices=SuspensionKind.choices, blank=True)
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    next_report_due_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in workflow.Status]),
                name="grant_status_known",
            ),
            models.CheckConstraint(
                # A grant gets its period when it becomes active; one revoked while still
                # pending (its offer withdrawn or lapsed) never had one.
                condition=Q(status__in=["pending", "revoked"], starts_at__isnull=True)
                | Q(starts_at__isnull=False, ends_at__isnull=False),
                name="grant_started_has_period",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="grant_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status="suspended") | ~Q(suspension_kind=""),
                name="grant_suspension_has_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "ends_at"], name="grant_status_ends"),
            models.Index(fields=["holder", "status"], name="grant_holder_status"),
            models.Index(fields=["dataset", "status"], name="grant_dataset_status"),
            models.Index(fields=["committee", "status"], name="grant_committee_status"),
            models.Index(fields=["status", "next_report_due_on"], name="grant_report_due"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.dataset.accession})"

    @property
    def audit_type(self) -> str:
        return "grant"

    @property
    def audit_id(self) -> str:
        return self.reference


class Renewal(models.Model):
    """A holder's request to extend a grant, and the committee's short re-review of it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting the committee")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="renewals")
    justification = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    extended_to = models.DateTimeField(null=True, blank=True)
    # The committee's policy when the renewal was asked for (Committee.renewals_by_committee):
    # members vote and the chair decides by the voting rule, or the chair decides alone. Kept
    # on the renewal so that a change of policy does not change a renewal already waiting.
    by_committee = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["grant", "-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["grant"], condition=Q(status="pending"), name="renewal_one_pending"
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""), name="renewal_rejection_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"Renewal of {self.grant.reference} ({self.status})"


class ProgressReport(models.Model):
    """The yearly report on a grant: publications and changes of purpose."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="progress_reports")
    due_on = models.DateField()
    summary = models.TextField()
    publications = models.TextField(blank=True)
    purpose_changes = models.TextField(blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["grant", "due_on"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "due_on"], name="progress_report_once")
        ]

    def __str__(self) -> str:
        return f"Report on {self.grant.reference} due {self.due_on}"


class CloseOut(models.Model):
    """Data-destruction attestations: the researcher's, then the signing official's. The
    second closes the grant."""

    grant = models.OneToOneField(Grant, on_delete=models.PROTECT, related_name="close_out")
    researcher_statement = models.TextField(blank=True)
    researcher_attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    researcher_attested_at = models.DateTimeField(null=True, blank=True)
    official_statement = models.TextField(blank=True)
    official_attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    official_attested_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Close-out of {self.grant.reference}"


class FindingsStatus(models.TextChoices):
    SUBMITTED = findings_workflow.Status.SUBMITTED.value, _("Not published")
    PUBLISHED = findings_workflow.Status.PUBLISHED.value, _("Published on the public register")


class Findings(models.Model):
    """What came of the research (WHO 3.3 and 3.7: findings go back to the communities who
    gave the data): a plain-language summary, the publications as DOIs (bare, lower case:
    agreements.doi) and how results were returned to participants or communities. Written
    by the holder with a progress report or with the close-out attestation; public only
    once the grant's committee publishes it (agreements.findings_workflow)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="findings")
    progress_report = models.OneToOneField(
        ProgressReport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
    )
    close_out = models.OneToOneField(
        CloseOut, on_delete=models.PROTECT, null=True, blank=True, related_name="findings"
    )
    summary = models.TextField(_("plain-language summary of findings"), blank=True)
    dois = models.JSONField(_("publications (DOIs)"), default=list, blank=True)
    return_of_results = models.TextField(
        _("return of results to participants or communities"), blank=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=FindingsStatus.choices, default=FindingsStatus.SUBMITTED
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "findings"
        ordering = ["grant", "submitted_at", "id"]
        constraints = [
            # Findings always come with the report or the attestation that carried them.
            models.CheckConstraint(
                condition=Q(progress_report__isnull=False, close_out__isnull=True)
                | Q(progress_report__isnull=True, close_out__isnull=False),
                name="findings_one_source",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in findings_workflow.Status]),
                name="findings_status_known",
            ),
            models.CheckConstraint(
                condition=Q(status="published", published_at__isnull=False)
                | Q(status="submitted", published_at__isnull=True),
                name="findings_published_has_date",
            ),
        ]
        indexes = [
            # The register reads the published findings of a page of requests.
            models.Index(fields=["status", "grant"], name="findings_status_grant"),
        ]

    def __str__(self) -> str:
        return f"Findings on {self.grant_id} ({self.status})"

    @property
    def audit_type(self) -> str:
        return "findings"

    @property
    def audit_id(self) -> str:
        return str(self.public_id)


class Sanction(models.Model):
    """A suspension of a researcher or an institution for a breach: while in force, they
    cannot submit requests and their grants are suspended."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sanctions",
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, null=True, blank=True, related_name="sanctions"
    )
    reason = models.TextField()
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    imposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imposed_at = models.DateTimeField(default=timezone.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-imposed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, institution__isnull=True)
                | Q(user__isnull=True, institution__isnull=False),
                name="sanction_one_subject",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="sanction_has_reason"),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="sanction_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Sanction on {self.user or self.institution}"

    @property
    def audit_type(self) -> str:
        return "sanction"

    @property
    def audit_id(self) -> str:
        return str(self.public_id)


class WithdrawalNotice(models.Model):
    """A consent withdrawal told to one grant holder, who must acknowledge it and confirm
    deletion of the withdrawn participants' data by `due_at`."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    withdrawal = models.ForeignKey(
        ConsentWithdrawal, on_delete=models.PROTECT, related_name="notices"
    )
    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="withdrawal_notices")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="withdrawal_notices"
    )
    notified_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-notified_at"]
        constraints = [
            models.UniqueConstraint(fields=["withdrawal", "grant"], name="withdrawal_notice_once")
        ]
        indexes = [
            models.Index(fields=["acknowledged_at", "due_at"], name="withdrawal_notice_open"),
        ]

    def __str__(self) -> str:
        return f"Withdrawal notice {self.withdrawal_id} → {self.grant.reference}"

    @property
    def audit_type(self) -> str:
        return "withdrawal_notice"

    @property
    def audit_id(self) -> str:
        return str(self.public_id)


class CollaboratorStatus(models.TextChoices):
    INVITED = collaborator_workflow.Status.INVITED.value, _("Invited")
    SIGNED = collaborator_workflow.Status.SIGNED.value, _("Signed")
    REMOVED = collaborator_workflow.Status.REMOVED.value, _("Removed")
    LEFT = collaborator_workflow.Status.LEFT.value, _("Left")


class CollaboratorAccess(models.Model):
    """One collaborator's own part in an approved request: invited (to their account, or
    by e-mail with a single-use link), their own signature of the agreement text (the same
    hash check as the applicant's), and whether they are still on it. A signed
    collaborator is covered by each of the request's grants that gives access
    (agreements.selectors); removing them, or their leaving, ends only their entitlements.
    Only agreements.services.collaborators changes these rows."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    access_request = models.ForeignKey(
        AccessRequest, on_delete=models.PROTECT, related_name="collaborator_accesses"
    )
    collaborator = models.OneToOneField(
        Collaborator, on_delete=models.PROTECT, related_name="access"
    )
    # The account it belongs to: known from the start for a collaborator picked by
    # username; set when an e-mail invitation is accepted.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The invited address, lower-cased; an invitation is accepted only by an account
    # with this address.
    email = models.EmailField(blank=True)
    status = models.CharField(
        max_length=10, choices=CollaboratorStatus.choices, default=CollaboratorStatus.INVITED
    )
    # SHA-256 of the invitation link's token: the token itself is only in the e-mail.
    invitation_token_sha256 = models.CharField(max_length=64, blank=True)
    invited_at = models.DateTimeField(default=timezone.now)
    invitation_expires_at = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_ip = models.GenericIPAddressField(null=True, blank=True)
    signed_text_sha256 = models.CharField(max_length=64, blank=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    status_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["access_request", "collaborator__position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in collaborator_workflow.Status]),
                name="collaborator_access_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(status="signed")
                | Q(user__isnull=False, signed_at__isnull=False) & ~Q(signed_text_sha256=""),
                name="collaborator_access_signed_by_someone",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(email=""),
                name="collaborator_access_reachable",
            ),
            models.UniqueConstraint(
                fields=["access_request", "user"],
                condition=Q(user__isnull=False),
                name="collaborator_access_user_once",
            ),
            models.UniqueConstraint(
                fields=["invitation_token_sha256"],
                condition=~Q(invitation_token_sha256=""),
                name="collaborator_access_token_unique",
            ),
        ]
        indexes = [
            # Entitlements and visas: the requests a person is a signed collaborator on.
            models.Index(fields=["user", "status"], name="collaborator_access_user"),
            models.Index(fields=["access_request", "status"], name="collaborator_access_req"),
        ]

    def __str__(self) -> str:
        return f"{self.collaborator} on {self.access_request_id} ({self.status})"

    @property
    def shown_name(self) -> str:
        """The account's name once there is one, else the name the applicant gave."""
        if self.user is not None:
            return self.user.get_full_name() or self.user.username
        return self.collaborator.name or self.email

    @property
    def audit_type(self) -> str:
        return "collaborator"

    @property
    def audit_id(self) -> str:
        return str(self.public_id)


class RenewalVote(models.Model):
    """One committee member's vote on a renewal the committee decides; changed in place
    until the decision (agreements/services/renewal.py)."""

    class Choice(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")
        ABSTAIN = "abstain", _("Abstain")

    renewal = models.ForeignKey(Renewal, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    vote = models.CharField(max_length=10, choices=Choice.choices)
    rationale = models.TextField()
    cast_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["renewal", "cast_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["renewal", "voter"], name="renewal_vote_once"),
            models.CheckConstraint(
                condition=Q(vote__in=["approve", "reject", "abstain"]), name="renewal_vote_known"
            ),
            models.CheckConstraint(condition=~Q(rationale=""), name="renewal_vote_has_rationale"),
        ]

    def __str__(self) -> str:
        return f"{self.renewal_id}: {self.vote} by {self.voter_id}"
