"""Access requests, their datasets, collaborators, revisions and documents.

Only the services in access_requests.services change these rows (status above all); the
models hold data and the invariants the database can guard by itself.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access_requests import workflow
from accounts.models import Committee, Institution
from consent.models import Dataset

REFERENCE_PATTERN = r"^DAR-[0-9]{4}-[0-9]{6}$"


class RequestStatus(models.TextChoices):
    DRAFT = workflow.Status.DRAFT.value, _("Draft")
    SUBMITTED = workflow.Status.SUBMITTED.value, _("Submitted, awaiting endorsement")
    UNDER_REVIEW = workflow.Status.UNDER_REVIEW.value, _("Under review")
    CHANGES_REQUESTED = workflow.Status.CHANGES_REQUESTED.value, _("Changes requested")
    APPROVED = workflow.Status.APPROVED.value, _("Approved")
    REJECTED = workflow.Status.REJECTED.value, _("Rejected")
    WITHDRAWN = workflow.Status.WITHDRAWN.value, _("Withdrawn")
    CLOSED = workflow.Status.CLOSED.value, _("Closed")


# The attestations every applicant makes before submitting (WHO principles 3.2 and 3.3).
ATTESTATIONS: dict[str, Any] = {
    "no_reidentification": _("I will not attempt to re-identify any participant."),
    "no_stigmatisation": _(
        "I will not use the data or the results in ways that stigmatise or discriminate "
        "against participants or their communities."
    ),
    "security_measures": _(
        "I will keep the data under the security measures the committee requires."
    ),
    "publication_and_benefit_sharing": _(
        "I accept the committee's conditions on publication and benefit sharing."
    ),
}


class ReferenceCounter(models.Model):
    """The last request number used in a year. The service locks the row (SELECT … FOR
    UPDATE) to take the next number, so concurrent creations never share a reference;
    the unique constraint on AccessRequest.reference is the backstop."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class AccessRequest(models.Model):
    reference = models.CharField(max_length=20, unique=True, editable=False)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_requests"
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The lead committee: the committee of the first requested dataset. A request whose
    # datasets belong to several committees goes to each of them (CommitteeRoute, one row
    # per committee); routing, visibility, the queue and review read those rows, and each
    # RequestedDataset names the committee that decides it (ADR 0006).
    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, null=True, blank=True, related_name="access_requests"
    )
    title = models.CharField(_("title"), max_length=300, blank=True)
    lay_summary = models.TextField(_("lay summary"), blank=True)
    research_use_statement = models.TextField(_("research use statement"), blank=True)
    # The structured research purpose of docs/api.md as the applicant gave it; null until they
    # answered the purpose questions (submission requires it).
    purpose = models.JSONField(_("research purpose"), null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.DRAFT
    )
    revision = models.PositiveIntegerField(default=1)

    # Attestations: when each was given (null: not given).
    attested_no_reidentification_at = models.DateTimeField(null=True, blank=True)
    attested_no_stigmatisation_at = models.DateTimeField(null=True, blank=True)
    attested_security_measures_at = models.DateTimeField(null=True, blank=True)
    attested_publication_and_benefit_sharing_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    endorsed_at = models.DateTimeField(null=True, blank=True)
    endorsed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # When the request first reached the committee: from then on its members may see it.
    routed_at = models.DateTimeField(null=True, blank=True)
    review_due_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The committee's first answer to the applicant: a request for changes or the decision,
    # whichever came first (the public statistics' time to first response).
    first_response_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reference__regex=REFERENCE_PATTERN), name="access_request_reference"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in workflow.STORED_STATUSES]),
                name="access_request_status_known",
            ),
            models.CheckConstraint(
                condition=Q(revision__gte=1), name="access_request_revision_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["applicant", "-created_at"], name="access_request_applicant"),
            models.Index(fields=["committee", "status"], name="access_request_committee"),
            models.Index(fields=["institution", "status"], name="access_request_institution"),
            # The public register: approved (or since closed) requests, newest decision
            # first, read by keyset (decided_at, reference) — an index scan at any size.
            models.Index(
                fields=["-decided_at", "-reference"],
                condition=Q(status__in=["approved", "closed"]),
                name="access_request_register",
            ),
            # The public statistics count what happened since their rollup's horizon
            # (transparency.rollup): a range on each date, read through these.
            *(
                models.Index(
                    fields=[f"{moment}_at"],
                    condition=Q(**{f"{moment}_at__isnull": False}),
                    name=f"access_request_{moment}",
                )
                for moment in ("submitted", "decided", "withdrawn", "first_response")
            ),
            # …and the requests under review now, per committee (a small part of the table).
            models.Index(
                fields=["committee"],
                condition=Q(status="under_review"),
                name="access_request_under_review",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.title or _('untitled')}"

    @property
    def audit_type(self) -> str:
        return "access_request"

    @property
    def audit_id(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return workflow.is_open(self.status)

    def attestations(self) -> dict[str, bool]:
        return {key: getattr(self, f"attested_{key}_at") is not None for key in ATTESTATIONS}


class ConsentResult(models.TextChoices):
    COMPATIBLE = "compatible", _("Compatible")
    INCOMPATIBLE = "incompatible", _("Incompatible")
    NEEDS_REVIEW = "needs_review", _("Needs review")


class Decision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class RequestedDataset(models.Model):
    """One dataset of a request, with the consent evaluation made at submission and, later,
    the committee's decision for it.

    `applicant` and `is_open` copy the request's applicant and whether its status is open
    (workflow.OPEN_STATUSES); the services keep them in step with every status change.
    They exist for one partial unique constraint: an applicant holds at most one open
    request per dataset, which the database can only check within a single table.
    """

    access_request = models.ForeignKey(
        AccessRequest, on_delete=models.CASCADE, related_name="requested_datasets"
    )
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="+")
    # The committee that decides this dataset: the dataset's committee when it was added
    # to the request (null only for rows older than multi-committee routing).
    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    is_open = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    consent_result = models.CharField(max_length=20, choices=ConsentResult.choices, blank=True)
    consent_evaluation = models.JSONField(null=True, blank=True)
    scope_version = models.PositiveIntegerField(null=True, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    # The consent of this dataset carries DUO's ethics-approval modifier (IRB,
    # DUO:0000021), as evaluated at submission: the request needs a current
    # EthicsApproval to be submitted, and this dataset's grant to stay active.
    ethics_approval_required = models.BooleanField(default=False, db_default=False)

    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(blank=True)
    decision_conditions = models.JSONField(default=list, blank=True)
    decision_scope_version = models.PositiveIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["access_request", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["access_request", "dataset"], name="requested_dataset_once_per_request"
            ),
            models.UniqueConstraint(
                fields=["applicant", "dataset"],
                condition=Q(is_open=True),
                name="requested_dataset_one_open_per_applicant",
            ),
            models.CheckConstraint(
                condition=~Q(decision="rejected") | ~Q(decision_reason=""),
                name="requested_dataset_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.access_request.reference} × {self.dataset.accession}"


class CommitteeRoute(models.Model):
    """One committee a request goes to: the committee of at least one of its datasets (a
    request whose datasets belong to two committees has two rows). Written with the
    datasets; `status` copies the request's status (the services keep it in step, as
    RequestedDataset.is_open) so that each committee's queue is one index range scan on
    (committee, status, routed_at, access_request) read by keyset. `review_due_at` follows
    the committee's own target; `decided_at` is set when the committee has decided every
    dataset it owns."""

    access_request = models.ForeignKey(
        AccessRequest, on_delete=models.CASCADE, related_name="committee_routes"
    )
    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="request_routes"
    )
    position = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.DRAFT
    )
    routed_at = models.DateTimeField(null=True, blank=True)
    review_due_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # How many people have voted on this committee's datasets of the request, kept by the
    # vote and recusal services in their own transaction: the chair's home page counts the
    # requests with enough votes for a decision with one index range scan, not a
    # subquery per request (access_requests/dashboard.py).
    voters = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["access_request", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["access_request", "committee"], name="committee_route_once"
            ),
        ]
        indexes = [
            # The committee's review queue: one committee, one status, oldest routed first,
            # read by keyset (routed_at, access_request) so a page costs the same at any depth.
            models.Index(
                fields=["committee", "status", "routed_at", "access_request"],
                name="committee_route_queue",
            ),
            # The routes after a request's first (requests spanning committees): the
            # statistics count those requests in each committee (transparency.selectors).
            models.Index(
                fields=["committee", "access_request"],
                condition=Q(position__gt=0),
                name="committee_route_extra",
            ),
            # The home page's "overdue" and "first due" (dac_portal/dashboard.py).
            models.Index(
                fields=["committee", "status", "review_due_at"], name="committee_route_due"
            ),
            models.Index(fields=["committee", "status", "voters"], name="committee_route_voters"),
        ]

    def __str__(self) -> str:
        return f"{self.access_request_id} → committee {self.committee_id}"


class Collaborator(models.Model):
    """A person who will work with the data: a portal user named by username, or someone
    named with their institution who has no account.

    A username entry keeps the username as typed (`username`) and is linked to the account
    (`user`) only when an active person (not a service account) has it. The applicant is
    answered the same way either way and sees the username they typed, never the account's
    name, so the form cannot be used to find out which usernames exist
    (docs/access-requests.md, "Collaborators"). Only a linked account is covered by the
    grants."""

    access_request = models.ForeignKey(
        AccessRequest, on_delete=models.CASCADE, related_name="collaborators"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    username = models.CharField(_("portal username"), max_length=150, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    institution_name = models.CharField(_("institution"), max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["access_request", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False)
                | ~Q(username="")
                | (~Q(name="") & ~Q(institution_name="")),
                name="collaborator_username_or_named_with_institution",
            ),
            models.UniqueConstraint(
                fields=["access_request", "user"],
                condition=Q(user__isnull=False),
                name="collaborator_user_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.username or str(self.user)

    @property
    def shown_username(self) -> str:
        """The username as typed (rows made before it was kept: the account's)."""
        if self.username:
            return self.username
        return self.user.username if self.user_id and self.user is not None else ""


class RequestRevision(models.Model):
    """What the request said when it went to the committee: revision 1 at submission, one
    more at each resubmission, with a field-by-field diff against the one before."""

    access_request = models.ForeignKey(
        AccessRequest, on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    diff = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["access_request", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["access_request", "number"], name="request_revision_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.access_request.reference} r{self.number}"


class Document(models.Model):
    """An uploaded document, stored encrypted (Fernet) in the database row itself, so a
    rolled-back upload leaves no file behind and backups never hold plaintext."""

    class Kind(models.TextChoices):
        ETHICS_APPROVAL = "ethics_approval", _("Ethics approval")
        PROTOCOL = "protocol", _("Research protocol")
        DATA_MANAGEMENT_PLAN = "data_management_plan", _("Data management plan")
        OTHER = "other", _("Other")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    access_request = models.ForeignKey(
        AccessRequest, on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.OTHER)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, help_text=_("Of the plaintext."))
    ciphertext = models.BinaryField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["access_request", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.filename


class EthicsApproval(models.Model):
    """An ethics committee's (IRB/ERB) approval of the research, filed by the applicant with
    its document. Required to submit a request for a dataset whose consent asks for it, and
    kept current while its grants run: agreements suspends them when the last approval
    lapses and reinstates them when a new one is filed (issue 18). Never edited: a renewal
    is a new approval."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    access_request = models.ForeignKey(
        AccessRequest, on_delete=models.PROTECT, related_name="ethics_approvals"
    )
    document = models.OneToOneField(
        Document, on_delete=models.PROTECT, related_name="ethics_approval"
    )
    approving_body = models.CharField(_("approving body"), max_length=200)
    approval_number = models.CharField(_("approval number"), max_length=100)
    expires_on = models.DateField(_("valid until"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["access_request", "-expires_on", "-filed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(approving_body="") & ~Q(approval_number=""),
                name="ethics_approval_named",
            ),
        ]
        indexes = [
            models.Index(fields=["access_request", "expires_on"], name="ethics_approval_current"),
            models.Index(fields=["expires_on"], name="ethics_approval_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.approving_body} {self.approval_number} (until {self.expires_on})"

    @property
    def audit_type(self) -> str:
        return "ethics_approval"

    @property
    def audit_id(self) -> str:
        return str(self.public_id)


# -- committee review (issue 8) --------------------------------------------------------------


class ReviewMode(models.TextChoices):
    ALL_MEMBERS = "all_members", _("All members review every request")
    ASSIGNED = "assigned", _("The chair assigns reviewers")


class CommitteeReviewSettings(models.Model):
    """How a committee reviews: every member, or only the reviewers the chair assigns.
    Kept here rather than on accounts.Committee (another app's model); a committee without
    a row reviews with all members."""

    committee = models.OneToOneField(
        Committee, on_delete=models.CASCADE, related_name="review_settings"
    )
    review_mode = models.CharField(
        max_length=20, choices=ReviewMode.choices, default=ReviewMode.ALL_MEMBERS
    )
    # Whether the votes of the outside reviewers the chair invites count in the tally and
    # the quorum; off, they give a written opinion only (OutsideReviewer).
    outside_votes_count = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.committee}: {self.review_mode}"

    @property
    def audit_type(self) -> str:
        return "committee"

    @property
    def audit_id(self) -> str:
        return self.committee.slug


class ReviewAssignment(models.Model):
    access_request = models.ForeignKey(
        AccessRequest, on_delete=models.CASCADE, related_name="review_assignments"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["access_request", "assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["access_request", "reviewer"], name="review_assignment_once"
            ),
        ]
        indexes = [
            models.Index(fields=["reviewer", "access_request"], name="review_assignment_reviewer")
        ]

    def __str__(self) -> str:
        return f"{self.access_request_id} → {self.reviewer_id}"


class Recusal(models.Model):
    """A member's declared conflict of interest: they neither vote on the request nor read
    its committee notes, and they do not count towards its quorum."""

    access_request = models.ForeignKey(
        AccessRequest, on_delete=models.CASCADE, related_name="recusals"
    )
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["access_request", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["access_request", "member"], name="recusal_once"),
            models.CheckConstraint(condition=~Q(reason=""), name="recusal_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.access_request_id} recused by {self.member_id}"


class ConflictWaiver(models.Model):
    """A chair's decision that a member's automatic conflict of interest on one request
    (at the applicant's institution, or named as a collaborator: access_requests.conflicts)
    does not keep them from reviewing it, with the reason, for the record."""

    access_request = models.ForeignKey(
        AccessRequest, on_delete=models.CASCADE, related_name="conflict_waivers"
    )
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The conflicts the waiver answered (conflicts.SAME_INSTITUTION, conflicts.COLLABORATOR).
    conflicts = models.JSONField(default=list)
    reason = models.TextField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["access_request", "granted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["access_request", "member"], name="conflict_waiver_once"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="conflict_waiver_has_reason"),
            models.CheckConstraint(
                condition=~Q(granted_by=models.F("member")), name="conflict_waiver_not_own"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.access_request_id}: conflict of {self.member_id} waived"


class VoteChoice(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    ABSTAIN = "abstain", _("Abstain")


class Vote(models.Model):
    """One member's vote on one dataset of a request; changed in place until the decision."""

    access_request = models.ForeignKey(
        AccessRequest, on_delete=models.CASCADE, related_name="votes"
    )
    requested_dataset = models.ForeignKey(
        RequestedDataset, on_delete=models.CASCADE, related_name="votes"
    )
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    vote = models.CharField(max_length=10, choices=VoteChoice.choices)
    rationale = models.TextField()
    cast_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["access_request", "requested_dataset", "cast_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["requested_dataset", "voter"], name="vote_once"),
            models.CheckConstraint(
                condition=Q(vote__in=["approve", "reject", "abstain"]), name="vote_known"
            ),
            models.CheckConstraint(condition=~Q(rationale=""), name="vote_has_rationale"),
        ]

    def __str__(self) -> str:
        return f"{self.requested_dataset_id}: {self.vote} by {self.voter_id}"


class CommitteeNote(models.Model):
    """Committee-only: never shown to the applicant, nor to a recused member, and never in
    an audit event's data (the event records only that a note was added)."""

    access_request = models.ForeignKey(
        AccessRequest, on_delete=models.CASCADE, related_name="committee_notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The committee that wrote it: only that committee's people read it (a request routed
    # to two committees has two sets of notes). Null only for notes older than that.
    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["access_request", "created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="note_has_body")]

    def __str__(self) -> str:
        return f"note {self.pk} on {self.access_request_id}"


class OutsideReviewerKind(models.TextChoices):
    EXPERT = "expert", _("Expert")
    ETHICS = "ethics", _("Ethics adviser")
    COMMUNITY = "community", _("Community adviser")


class OutsideReviewerEnd(models.TextChoices):
    DECIDED = "decided", _("The request was decided")
    WITHDRAWN = "withdrawn", _("The request was withdrawn")
    ENDED_BY_CHAIR = "ended_by_chair", _("Ended by the chair")


class OutsideReviewer(models.Model):
    """Someone from outside the committee (an expert, an ethics or a community adviser)
    whom a chair invites to one request under review: they see that request alone, give a
    written opinion and, where the committee counts them
    (CommitteeReviewSettings.outside_votes_count), vote. Invited by e-mail with a
    single-use link whose token only the e-mail holds (the row keeps its SHA-256); accepted
    only by an account with the invited address. Their access ends when the request is
    decided or withdrawn, or the chair ends it. Only access_requests.review.outside changes
    these rows; the audit log never holds the address."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    access_request = models.ForeignKey(
        AccessRequest, on_delete=models.PROTECT, related_name="outside_reviewers"
    )
    # The committee of the chair who invited them: they vote (when it counts them) on that
    # committee's datasets, and its people read their opinion.
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=OutsideReviewerKind.choices)
    name = models.CharField(_("name"), max_length=200)
    # The invited address, lower-cased.
    email = models.EmailField(_("e-mail address"))
    # The account that accepted the invitation.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    invited_at = models.DateTimeField(default=timezone.now)
    # SHA-256 of the invitation link's token (emptied once used or ended).
    invitation_token_sha256 = models.CharField(max_length=64, blank=True)
    invitation_expires_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    opinion = models.TextField(_("opinion"), blank=True)
    opinion_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=OutsideReviewerEnd.choices, blank=True)

    class Meta:
        ordering = ["access_request", "invited_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=OutsideReviewerKind.values), name="outside_reviewer_kind"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, end_reason="")
                | Q(ended_at__isnull=False, end_reason__in=OutsideReviewerEnd.values),
                name="outside_reviewer_end_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(user__isnull=False),
                name="outside_reviewer_accepted_by_someone",
            ),
            models.CheckConstraint(
                condition=Q(opinion_at__isnull=True) | ~Q(opinion=""),
                name="outside_reviewer_opinion_said",
            ),
            # One open invitation per address, and per account, on a request.
            models.UniqueConstraint(
                fields=["access_request", "email"],
                condition=Q(ended_at__isnull=True),
                name="outside_reviewer_open_once",
            ),
            models.UniqueConstraint(
                fields=["access_request", "user"],
                condition=Q(ended_at__isnull=True, user__isnull=False),
                name="outside_reviewer_user_once",
            ),
            models.UniqueConstraint(
                fields=["invitation_token_sha256"],
                condition=~Q(invitation_token_sha256=""),
                name="outside_reviewer_token_unique",
            ),
        ]
        indexes = [
            # workflow_roles: is this person an outside reviewer of this request now?
            models.Index(fields=["user", "access_request"], name="outside_reviewer_user"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name} on {self.access_request_id}"

    @property
    def status(self) -> str:
        """invited, expired (an invitation nobody accepted in time), accepted or ended."""
        if self.ended_at is not None:
            return "ended"
        if self.accepted_at is not None:
            return "accepted"
        expires = self.invitation_expires_at
        return "expired" if expires is not None and expires <= timezone.now() else "invited"

    @property
    def shown_name(self) -> str:
        """The account's name once there is one, else the name the chair gave."""
        if self.user is not None:
            return self.user.get_full_name() or self.name
        return self.name

    @property
    def audit_type(self) -> str:
        return "outside_reviewer"

    @property
    def audit_id(self) -> str:
        return str(self.public_id)


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("Being heard")
    UPHELD = "upheld", _("Rejection upheld")
    OVERTURNED = "overturned", _("Rejection overturned")


class Appeal(models.Model):
    """An applicant's appeal of a rejected request (issue 18; docs/committee-review.md,
    "Appeals"): one per request, filed within the committee's window with a statement,
    heard by a panel of people who took no part in the decision and decided with reasons.

    `took_part` freezes, at filing, who voted on or decided the original request: they
    never sit on the panel, whatever happens to the committee's membership later."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    access_request = models.OneToOneField(
        AccessRequest, on_delete=models.PROTECT, related_name="appeal"
    )
    hearing_committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="+")
    statement = models.TextField(_("statement"))
    took_part = models.JSONField(default=list)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=12, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-filed_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(statement=""), name="appeal_has_statement"),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False) & ~Q(reason="")),
                name="appeal_decided_with_reasons",
            ),
        ]
        indexes = [
            models.Index(fields=["hearing_committee", "status"], name="appeal_committee_status"),
        ]

    def __str__(self) -> str:
        return f"Appeal of {self.access_request_id} ({self.status})"

    @property
    def audit_type(self) -> str:
        return "appeal"

    @property
    def audit_id(self) -> str:
        return str(self.public_id)


class AppealVoteChoice(models.TextChoices):
    UPHOLD = "uphold", _("Uphold the rejection")
    OVERTURN = "overturn", _("Overturn it")
    ABSTAIN = "abstain", _("Abstain")


class AppealVote(models.Model):
    """One panel member's vote on an appeal; changed in place until the decision."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    vote = models.CharField(max_length=10, choices=AppealVoteChoice.choices)
    rationale = models.TextField()
    cast_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["appeal", "cast_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["appeal", "voter"], name="appeal_vote_once"),
            models.CheckConstraint(
                condition=Q(vote__in=["uphold", "overturn", "abstain"]), name="appeal_vote_known"
            ),
            models.CheckConstraint(condition=~Q(rationale=""), name="appeal_vote_has_rationale"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id}: {self.vote} by {self.voter_id}"
