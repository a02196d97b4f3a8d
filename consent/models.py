"""Studies, datasets and their versioned consent scopes (DUO)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Committee

accession_format = RegexValidator(
    r"^[A-Z][A-Z0-9]{1,9}[0-9]{3,12}$",
    _("Accessions are upper-case letters then digits, e.g. DACD000001."),
)


class Study(models.Model):
    accession = models.CharField(max_length=24, unique=True, validators=[accession_format])
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("public description"), blank=True)
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="studies")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["accession"]
        verbose_name_plural = "studies"

    def __str__(self) -> str:
        return f"{self.accession} — {self.title}"


class Dataset(models.Model):
    """A releasable unit of data. Its committee is its study's; denormalised here because
    every routing and permission check needs it."""

    accession = models.CharField(max_length=24, unique=True, validators=[accession_format])
    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="datasets")
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="datasets")
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("public description"), blank=True)
    participant_count = models.PositiveIntegerField(_("participants"), default=0)
    data_types = models.JSONField(_("data types"), default=list, blank=True)
    is_public = models.BooleanField(default=True, help_text=_("Listed in the public catalogue."))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["accession"]
        indexes = [models.Index(fields=["committee", "accession"], name="dataset_committee_acc")]

    def __str__(self) -> str:
        return f"{self.accession} — {self.title}"


class ConsentScope(models.Model):
    """One version of a dataset's data use conditions. Never edited: a new version
    supersedes the previous one, and decisions keep the version they were made against.

    `permission` is a DUO shorthand (NRES, GRU, HMB, DS, POA); `diseases` a list of disease
    CURIEs (DS only); `modifiers` a list of {"code": "GS", ...parameters} objects, codes as
    DUO shorthands (CURIEs are normalised to shorthands on the way in).
    """

    class Permission(models.TextChoices):
        NRES = "NRES", _("No restriction")
        GRU = "GRU", _("General research use")
        HMB = "HMB", _("Health or medical or biomedical research")
        DS = "DS", _("Disease-specific research")
        POA = "POA", _("Population origins or ancestry research only")

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="consent_scopes")
    version = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    permission = models.CharField(max_length=4, choices=Permission.choices)
    diseases = models.JSONField(default=list, blank=True)
    modifiers = models.JSONField(default=list, blank=True)
    note = models.TextField(_("note"), blank=True, help_text=_("Why this version was recorded."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["dataset", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "version"], name="consent_scope_unique_version"
            ),
            models.CheckConstraint(
                condition=Q(permission__in=["NRES", "GRU", "HMB", "DS", "POA"]),
                name="consent_scope_permission_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dataset.accession} v{self.version} {self.permission}"

    @property
    def audit_type(self) -> str:
        return "consent_scope"

    @property
    def audit_id(self) -> str:
        return f"{self.dataset.accession}/v{self.version}"


class OntologyTerm(models.Model):
    """One term of an imported ontology (DOID, MONDO, DUO), keyed by its CURIE.

    Consent scopes and purposes store CURIE strings, not foreign keys: an ontology release
    may drop or obsolete a term, and the consent recorded against it must stay readable."""

    curie = models.CharField(max_length=40, unique=True)
    ontology = models.CharField(max_length=16, db_index=True)  # the CURIE prefix
    label = models.CharField(max_length=500)
    shorthand = models.CharField(max_length=16, blank=True)  # DUO codes
    definition = models.TextField(blank=True)
    synonyms = models.JSONField(default=list, blank=True)
    alt_ids = models.JSONField(default=list, blank=True)
    obsolete = models.BooleanField(default=False)
    replaced_by = models.CharField(max_length=40, blank=True)
    consider = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=200)  # "built-in" or the release file name
    version = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["curie"]
        indexes = [models.Index(fields=["ontology", "label"], name="ontology_term_label")]

    def __str__(self) -> str:
        return f"{self.curie} {self.label}"


class OntologyAlias(models.Model):
    """An alternative id (OBO alt_id) pointing at its current term."""

    alias = models.CharField(max_length=40, unique=True)
    curie = models.CharField(max_length=40)
    ontology = models.CharField(max_length=16, db_index=True)

    def __str__(self) -> str:
        return f"{self.alias} -> {self.curie}"


class OntologyIsA(models.Model):
    """A direct is-a link; a term may have several parents."""

    child = models.CharField(max_length=40)
    parent = models.CharField(max_length=40)
    ontology = models.CharField(max_length=16, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child", "parent"], name="ontology_isa_unique")
        ]

    def __str__(self) -> str:
        return f"{self.child} is_a {self.parent}"


class OntologyAncestor(models.Model):
    """The precomputed is-a closure (a term is not its own ancestor here): subsumption
    is one indexed lookup instead of a graph walk."""

    term = models.CharField(max_length=40)
    ancestor = models.CharField(max_length=40)
    ontology = models.CharField(max_length=16, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["term", "ancestor"], name="ontology_closure_unique")
        ]
        indexes = [models.Index(fields=["ancestor"], name="ontology_closure_ancestor")]

    def __str__(self) -> str:
        return f"{self.term} < {self.ancestor}"


class OntologyRelease(models.Model):
    """What was last imported for one ontology, and from where."""

    ontology = models.CharField(max_length=16, unique=True)
    source = models.CharField(max_length=200)
    version = models.CharField(max_length=40, blank=True)
    terms = models.PositiveIntegerField(default=0)
    obsolete_terms = models.PositiveIntegerField(default=0)
    is_a_links = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.ontology} {self.version} ({self.source})"


class ConsentWithdrawal(models.Model):
    """Participants of a dataset who withdrew consent: a count and pseudonymous ids only,
    never names. The grants issue propagates these to grant holders."""

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="withdrawals")
    participant_count = models.PositiveIntegerField(
        _("participants who withdrew"), validators=[MinValueValidator(1)]
    )
    pseudonymous_ids = models.JSONField(_("pseudonymous participant ids"), default=list)
    note = models.TextField(_("note"), blank=True)
    effective_on = models.DateField(_("effective on"), default=timezone.localdate)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    propagated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.dataset.accession} withdrawal of {self.participant_count}"

    @property
    def audit_type(self) -> str:
        return "consent_withdrawal"

    @property
    def audit_id(self) -> str:
        return f"{self.dataset.accession}/{self.pk}"


class ReconsentFlag(models.Model):
    """Participants of a dataset must be asked for their consent again before any new
    access is approved, e.g. those recruited as minors who have reached adulthood, or a
    cohort whose consent form changed (WHO principle 3.1). While a flag is open the
    committee cannot approve the dataset for new requests; existing grants are not
    touched (a withdrawal is the tool for that). Raised and cleared by the dataset's
    stewards, with reasons; never deleted."""

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="reconsent_flags")
    reason = models.TextField(_("why participants must re-consent"))
    participant_count = models.PositiveIntegerField(
        _("participants concerned"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cleared_at = models.DateTimeField(null=True, blank=True)
    clear_note = models.TextField(_("how re-consent was completed"), blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [
            # "Is this dataset blocked?" is asked on every approval and dataset page.
            models.Index(
                fields=["dataset"], name="reconsent_open", condition=Q(cleared_at__isnull=True)
            )
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="reconsent_reason_required"),
            models.CheckConstraint(
                condition=Q(cleared_at__isnull=True, cleared_by__isnull=True, clear_note="")
                | (Q(cleared_at__isnull=False, cleared_by__isnull=False) & ~Q(clear_note="")),
                name="reconsent_cleared_with_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dataset.accession} re-consent ({'cleared' if self.cleared_at else 'open'})"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None

    @property
    def audit_type(self) -> str:
        return "reconsent_flag"

    @property
    def audit_id(self) -> str:
        return f"{self.dataset.accession}/{self.pk}"


class CatalogueUpload(models.Model):
    """A catalogue file a steward uploaded on the import page (issue 21): checked when it
    arrives (the report is kept, so the page can show it again), imported later on purpose
    by the same steward. The file is kept as uploaded, so that the import applies exactly
    what was checked (checked again against the database of that moment) and an auditor
    can see what was imported."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    filename = models.CharField(_("file name"), max_length=255)
    content = models.TextField()
    sha256 = models.CharField(max_length=64)
    # {"create": n, "change": n, "unchanged": n, "refused": n} when checked.
    counts = models.JSONField(default=dict)
    # One entry per row that is not unchanged: number, accession, action, changed, problems.
    report = models.JSONField(default=list)
    imported_at = models.DateTimeField(null=True, blank=True)
    imported_counts = models.JSONField(default=dict)
    skipped_refused = models.BooleanField(default=False)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["uploaded_by", "-uploaded_at"], name="upload_by_user")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.uploaded_at:%Y-%m-%d %H:%M})"

    @property
    def audit_type(self) -> str:
        return "catalogue_upload"

    @property
    def audit_id(self) -> str:
        return str(self.pk)
