"""People, institutions, committees, roles and API tokens."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

iso_country = RegexValidator(r"^[A-Z]{2}$", _("Use a two-letter ISO 3166-1 country code."))
orcid_id = RegexValidator(
    r"^[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]$", _("Not an ORCID iD (e.g. 0000-0002-1825-0097).")
)
ror_id = RegexValidator(
    r"^0[a-hj-km-np-tv-z0-9]{6}[0-9]{2}$", _("Not a ROR identifier (e.g. 05a28rw58).")
)


class Institution(models.Model):
    class Type(models.TextChoices):
        ACADEMIC = "academic", _("University or research institute")
        HOSPITAL = "hospital", _("Hospital or health service")
        GOVERNMENT = "government", _("Government agency")
        NONPROFIT = "nonprofit", _("Non-profit organisation")
        COMMERCIAL = "commercial", _("Commercial company")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=255, unique=True)
    country = models.CharField(_("country"), max_length=2, validators=[iso_country])
    type = models.CharField(_("type"), max_length=20, choices=Type.choices, default=Type.ACADEMIC)
    ror_id = models.CharField(_("ROR id"), max_length=9, blank=True, validators=[ror_id])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["ror_id"], condition=~Q(ror_id=""), name="institution_unique_ror"
            ),
            models.CheckConstraint(
                condition=Q(country__regex=r"^[A-Z]{2}$"), name="institution_country_iso"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person. `public_id` is the stable, non-guessable id used outside the portal
    (the `sub` of GA4GH visas, API payloads); the database id never leaves it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    is_service_account = models.BooleanField(
        default=False, help_text=_("A data host's machine account: may read entitlements only.")
    )
    # From a federated sign-in (accounts.federation): the ORCID iD the provider vouched for,
    # and the home organisation's domain (schac_home_organization or the scope of an
    # eduperson_scoped_affiliation), which InstitutionDomain maps to an institution.
    orcid = models.CharField(_("ORCID iD"), max_length=19, blank=True, validators=[orcid_id])
    home_organization = models.CharField(_("home organisation"), max_length=253, blank=True)
    # The language of their pages, e-mails and in-portal messages (accounts.language); empty
    # until chosen or first read from their browser at sign-in.
    language = models.CharField(_("language"), max_length=10, blank=True)

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Committee(models.Model):
    """A data access committee (DAC)."""

    class VotingRule(models.TextChoices):
        MAJORITY = "majority", _("Majority of votes cast")
        UNANIMOUS = "unanimous", _("Unanimous")
        CHAIR = "chair", _("The chair decides")

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=255)
    policy_text = models.TextField(_("public policy"), blank=True)
    voting_rule = models.CharField(
        max_length=10, choices=VotingRule.choices, default=VotingRule.MAJORITY
    )
    quorum = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1)])
    review_target_days = models.PositiveSmallIntegerField(
        default=14, validators=[MinValueValidator(1)]
    )
    endorsement_required = models.BooleanField(
        default=False, help_text=_("A signing official must endorse requests before review.")
    )
    default_access_days = models.PositiveIntegerField(
        default=365, validators=[MinValueValidator(1)]
    )
    lay_representatives_vote = models.BooleanField(
        _("lay and community representatives vote"),
        default=True,
        help_text=_(
            "When off, lay and community representatives advise: they read and comment on "
            "requests, and their votes are not asked for or counted."
        ),
    )
    training_required_months = models.PositiveSmallIntegerField(
        _("training required (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_(
            "When set, the applicant (to submit) and each collaborator (to sign the agreement) "
            "need a data-protection or research-ethics training record no older than this "
            "many months."
        ),
    )
    # Decisions after the first one (issue 18; docs/committee-review.md, "Appeals" and
    # docs/agreements-and-grants.md, "Renewal"). Renewals are the chair's call unless the
    # committee votes on them; an appeal is heard by this committee's members who took no
    # part in the decision, or by the committee named here.
    renewals_by_committee = models.BooleanField(
        _("the committee votes on renewals"),
        default=False,
        db_default=False,
        help_text=_(
            "When on, members vote on each renewal and the chair decides by the committee's "
            "voting rule and quorum, as in a short review. When off, the chair decides."
        ),
    )
    appeal_window_days = models.PositiveSmallIntegerField(
        _("appeal window (days)"),
        default=30,
        db_default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("How long after a rejection the applicant may appeal."),
    )
    appeals_committee = models.ForeignKey(
        "self",
        verbose_name=_("appeals heard by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Leave empty for this committee's members who took no part in the decision."),
    )
    bona_fide_required = models.BooleanField(
        _("bona fide status required"),
        default=False,
        help_text=_(
            "Applicants must hold a current ResearcherStatus visa (GA4GH) to submit a request "
            "for this committee's datasets."
        ),
    )

    class Meta:
        ordering = ["name"]
        permissions = [
            ("review_committee", "Review requests routed to the committee"),
            ("chair_committee", "Chair the committee"),
            ("steward_committee", "Steward the committee's datasets"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quorum__gte=1), name="committee_quorum_positive"),
            models.CheckConstraint(
                condition=Q(review_target_days__gte=1), name="committee_target_positive"
            ),
            models.CheckConstraint(
                condition=Q(appeal_window_days__gte=1) & Q(appeal_window_days__lte=365),
                name="committee_appeal_window_in_range",
            ),
            models.CheckConstraint(
                condition=~Q(appeals_committee=F("pk")), name="committee_appeals_elsewhere"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CommitteeRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    MEMBER = "member", _("Member")
    # WHO 3.4: the communities whose data it is take part in the decisions. Whether they
    # vote or advise is the committee's choice (Committee.lay_representatives_vote).
    LAY = "lay", _("Lay or community representative")
    STEWARD = "steward", _("Data steward")


class WhoRegion(models.TextChoices):
    """The six WHO regions: what a committee person may publish about where they work."""

    AFRICA = "AFR", _("African Region")
    AMERICAS = "AMR", _("Region of the Americas")
    SOUTH_EAST_ASIA = "SEAR", _("South-East Asia Region")
    EUROPE = "EUR", _("European Region")
    EASTERN_MEDITERRANEAN = "EMR", _("Eastern Mediterranean Region")
    WESTERN_PACIFIC = "WPR", _("Western Pacific Region")


class CommitteeMembership(models.Model):
    """One role of one person on one committee, now. A chair is also a voting member. The
    row goes when the membership ends; MembershipPeriod keeps the history."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="committee_memberships")
    role = models.CharField(max_length=10, choices=CommitteeRole.choices)
    since = models.DateTimeField(default=timezone.now)
    # The last day of the term of office; none for an open-ended one. A daily job ends the
    # memberships whose term is over (accounts.jobs).
    term_ends = models.DateField(_("term ends"), null=True, blank=True)

    class Meta:
        ordering = ["committee", "role", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "user", "role"], name="committee_membership_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.committee}"


class DeclaredInterest(models.Model):
    """One entry of a committee person's register of declared interests (a consultancy, a
    shared grant, a family tie): kept by the person, seen by the chairs of their
    committees beside each request they review. Ended, never deleted."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="declared_interests")
    description = models.TextField(_("interest"))
    declared_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user", "-declared_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(description=""), name="declared_interest_said"),
        ]
        indexes = [models.Index(fields=["user", "ended_at"], name="declared_interest_open")]

    def __str__(self) -> str:
        return f"{self.user}: {self.description[:40]}"

    @property
    def audit_type(self) -> str:
        return "declared_interest"

    @property
    def audit_id(self) -> str:
        return str(self.public_id)


class MembershipPeriod(models.Model):
    """When one person held one role on one committee: written by the membership services,
    never edited afterwards except to close it. The composition over time (/stats/) reads it."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10, choices=CommitteeRole.choices)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["committee", "started_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="membership_period_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["committee", "role", "started_at"], name="membership_period_role")
        ]

    def __str__(self) -> str:
        return (
            f"{self.user_id} — {self.role} of {self.committee_id} from {self.started_at:%Y-%m-%d}"
        )


class CommitteeInvitation(models.Model):
    """A chair's invitation to join a committee, sent to an e-mail address. The link's
    token is stored only as its SHA-256; the invitation is accepted by the signed-in account
    whose e-mail is the invited address, so a forwarded link is useless."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="invitations")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=10, choices=CommitteeRole.choices)
    term_ends = models.DateField(_("term ends"), null=True, blank=True)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    token_sha256 = models.CharField(max_length=64, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["committee", "-invited_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "email"],
                condition=Q(accepted_at__isnull=True, cancelled_at__isnull=True),
                name="committee_invitation_one_pending",
            ),
        ]
        indexes = [models.Index(fields=["token_sha256"], name="committee_invitation_token")]

    def __str__(self) -> str:
        return f"{self.name} — {self.get_role_display()} of {self.committee}"

    @property
    def audit_type(self) -> str:
        return "committee_invitation"

    @property
    def audit_id(self) -> str:
        return str(self.public_id)

    @property
    def pending(self) -> bool:
        return self.accepted_at is None and self.cancelled_at is None

    def expired(self, now: Any) -> bool:
        return self.pending and self.expires_at <= now


class CommitteeProfile(models.Model):
    """What a committee person chooses to publish on their committees' public pages: a
    region and a field of expertise. Nothing is published unless they fill it in."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="committee_profile")
    region = models.CharField(_("region"), max_length=4, choices=WhoRegion.choices, blank=True)
    expertise = models.CharField(_("expertise"), max_length=120, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user}: {self.get_region_display()} {self.expertise}".strip()


class TrainingKind(models.TextChoices):
    DATA_PROTECTION = "data_protection", _("Data protection")
    RESEARCH_ETHICS = "research_ethics", _("Research ethics")


class TrainingRecord(models.Model):
    """A dated training a person completed (issue 18): what committees that require one
    check before a submission or a collaborator's signature. Kept by the person; never
    edited (a new course is a new record)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="training_records")
    kind = models.CharField(_("kind"), max_length=20, choices=TrainingKind.choices)
    course = models.CharField(_("course"), max_length=200)
    provider = models.CharField(_("provider"), max_length=200)
    completed_on = models.DateField(_("completed on"))
    certificate = models.CharField(
        _("certificate"),
        max_length=300,
        help_text=_("The certificate's number, or a link where it can be checked."),
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user", "-completed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(course="") & ~Q(provider="") & ~Q(certificate=""),
                name="training_record_described",
            ),
        ]
        indexes = [models.Index(fields=["user", "completed_on"], name="training_record_latest")]

    def __str__(self) -> str:
        return f"{self.user}: {self.course} ({self.completed_on})"

    @property
    def audit_type(self) -> str:
        return "training_record"

    @property
    def audit_id(self) -> str:
        return str(self.public_id)


class PortalRole(models.TextChoices):
    RESEARCHER = "researcher", _("Researcher")
    SIGNING_OFFICIAL = "signing_official", _("Signing official")
    ADMINISTRATOR = "administrator", _("Administrator")
    AUDITOR = "auditor", _("Auditor")


class PortalRoleAssignment(models.Model):
    """A portal-wide role. A signing official acts for one institution."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="portal_roles")
    role = models.CharField(max_length=20, choices=PortalRole.choices)
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, null=True, blank=True)
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "institution"], name="portal_role_unique"
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(institution__isnull=True),
                name="portal_role_unique_global",
            ),
            models.CheckConstraint(
                condition=Q(role="signing_official", institution__isnull=False)
                | ~Q(role="signing_official"),
                name="signing_official_has_institution",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"


class ApiToken(models.Model):
    """A personal API token. Only the SHA-256 of the secret is stored: the tokens are 256-bit
    random strings, so a fast hash is safe and keeps every API call cheap."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(
        max_length=12, help_text=_("The first characters, to recognise a token.")
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # A read-only token may call GET, HEAD and OPTIONS only: a pipeline that just polls
    # statuses or fetches passports cannot vote, decide or revoke if its secret leaks.
    read_only = models.BooleanField(
        _("read-only"), default=False, help_text=_("Refused on every method that changes data.")
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="api_token_user_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def scope(self) -> str:
        """`read` or `read_write`: the name used in the audit log and on the token page."""
        return "read" if self.read_only else "read_write"


class InstitutionDomain(models.Model):
    """A home organisation's domain as identity providers send it (schac_home_organization,
    or the part after @ of eduperson_scoped_affiliation), and the institution it means.
    Domains first seen at a sign-in wait with no institution until an administrator maps
    them once; from then on every person from that domain gets the institution."""

    domain = models.CharField(_("domain"), max_length=253, unique=True)
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="domains",
        verbose_name=_("institution"),
    )
    first_seen_at = models.DateTimeField(default=timezone.now)
    mapped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["domain"]
        indexes = [
            models.Index(
                fields=["first_seen_at"],
                condition=Q(institution__isnull=True),
                name="institution_domain_unmapped",
            )
        ]

    def __str__(self) -> str:
        return self.domain


class ResearcherVisa(models.Model):
    """One verified GA4GH visa (Passport 1.2) a person's identity provider passed on at
    sign-in. Only the claims are kept, never the signed JWT: the portal shows and uses the
    assertion, it does not pass it on. A sign-in through a provider replaces that provider's
    visas; a visa stops counting at `expires_at` (its `exp`)."""

    class Type(models.TextChoices):
        RESEARCHER_STATUS = "ResearcherStatus", _("Bona fide researcher")
        AFFILIATION_AND_ROLE = "AffiliationAndRole", _("Affiliation and role")
        ACCEPTED_TERMS = "AcceptedTermsAndPolicies", _("Accepted terms and policies")
        LINKED_IDENTITIES = "LinkedIdentities", _("Linked identities")
        CONTROLLED_ACCESS = "ControlledAccessGrants", _("Controlled access grant")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="visas")
    provider_id = models.CharField(max_length=40)
    type = models.CharField(max_length=40, choices=Type.choices)
    value = models.CharField(max_length=1000)
    source = models.CharField(max_length=1000)
    by = models.CharField(max_length=20, blank=True)
    issuer = models.CharField(max_length=1000)
    asserted = models.DateTimeField()
    expires_at = models.DateTimeField()
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["type", "-asserted"]
        indexes = [models.Index(fields=["user", "type", "expires_at"], name="visa_user_type_exp")]

    def __str__(self) -> str:
        return f"{self.type} of {self.user}"

    @property
    def is_current(self) -> bool:
        return self.expires_at > timezone.now()
