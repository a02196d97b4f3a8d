"""The guided request form. It only gathers the applicant's answers and turns them into the
same data the REST API takes; the service checks them (one set of rules for both)."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from access_requests.models import ATTESTATIONS, AccessRequest, Document
from consent.disease_names import clean_disease_field, disease_labels

# The purpose, as plain-language questions (docs/api.md, "Research purpose").
PURPOSE_QUESTIONS: dict[str, Any] = {
    "hmb": _("Is this health, medical or biomedical research?"),
    "population_origins": _("Does it study population origins or ancestry?"),
    "methods_development": _("Does it develop or test methods, tools or software?"),
    "controls": _("Will the data serve as controls for another study?"),
    "genetic_studies": _("Does it study genetics (genotypes, variants, genomes)?"),
    "commercial": _("Could it lead to commercial products or services?"),
    "for_profit": _("Is your organisation, or a partner using the data, a for-profit one?"),
}
_SPLIT = re.compile(r"[\s,;]+")


class RequestForm(forms.Form):
    title = forms.CharField(label=_("Title of your project"), max_length=300, required=False)
    lay_summary = forms.CharField(
        label=_("Lay summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "In plain language, for the public: what you will do and why. It is published if "
            "the request is approved."
        ),
    )
    research_use_statement = forms.CharField(
        label=_("Research use statement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The scientific aims, methods and how the data will be analysed."),
    )
    datasets = forms.MultipleChoiceField(
        label=_("Datasets"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose the datasets you need. The consent check below updates as you go."),
    )
    diseases = forms.CharField(
        label=_("Which diseases does the research study?"),
        required=False,
        help_text=_(
            "Disease names, such as breast cancer or diabetes mellitus, separated by commas; "
            "an ontology id works too, as in breast cancer (DOID:1612). Leave empty if the "
            "research is not about particular diseases."
        ),
    )
    collaborators = forms.CharField(
        label=_("Collaborators"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line: the portal user name of a colleague, or “Name; Institution; e-mail” "
            "for someone without an account. Once the request is approved, each one is invited "
            "to sign the agreement themselves (by e-mail for someone without an account); only "
            "then may they work with the data."
        ),
    )

    document_kind = forms.ChoiceField(
        label=_("Kind of document"),
        choices=Document.Kind.choices,
        required=False,
        initial=Document.Kind.ETHICS_APPROVAL,
    )
    document = forms.FileField(
        label=_("Document (optional)"),
        required=False,
        help_text=_("An ethics approval, protocol or data management plan: PDF, ODT or DOCX."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.odt,.docx,application/pdf"}),
    )

    def __init__(
        self,
        *args: Any,
        datasets: Any = (),
        taken: dict[str, str] | None = None,
        consent: dict[str, str] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["datasets"]).choices = [
            (d.accession, f"{d.accession} — {d.title}") for d in datasets
        ]
        # accession -> the applicant's open request for it (the picker links to it and
        # refuses it: one open request per dataset); accession -> its consent in words.
        self.taken = taken or {}
        self.consent = consent or {}
        for key, label in PURPOSE_QUESTIONS.items():
            self.fields[f"purpose_{key}"] = forms.BooleanField(label=label, required=False)
        for key, label in ATTESTATIONS.items():
            self.fields[f"attest_{key}"] = forms.BooleanField(label=label, required=False)
        if not self.is_bound and "purpose_genetic_studies" not in self.initial:
            self.initial["purpose_genetic_studies"] = True

    def clean_diseases(self) -> str:
        """Names become ontology ids here (consent.disease_names); a name that matches no
        disease, or several, is refused at this field with suggestions."""
        return clean_disease_field(self, "diseases")

    def clean_datasets(self) -> list[str]:
        chosen = list(self.cleaned_data.get("datasets") or [])
        for accession in chosen:
            if accession in self.taken:
                self.refusal_status = 409  # a clash with the state, as the service says
                self.add_error(
                    "datasets",
                    _(
                        "You already have an open request for %(accession)s: %(reference)s. "
                        "Continue that request, or withdraw it first."
                    )
                    % {"accession": accession, "reference": self.taken[accession]},
                )
        return chosen

    def dataset_choices(self) -> list[dict[str, Any]]:
        """The picker's rows: each dataset with its consent in words and, when the
        applicant already has it open, the request to go to instead."""
        return [
            {
                "choice": choice,
                "accession": choice.data["value"],
                "consent": self.consent.get(choice.data["value"], ""),
                "taken": self.taken.get(choice.data["value"], ""),
            }
            for choice in self["datasets"]
        ]

    @property
    def purpose_fields(self) -> list[Any]:
        return [self[f"purpose_{key}"] for key in PURPOSE_QUESTIONS]

    @property
    def attestation_fields(self) -> list[Any]:
        return [self[f"attest_{key}"] for key in ATTESTATIONS]

    def purpose(self) -> dict[str, Any]:
        data = self.cleaned_data
        purpose: dict[str, Any] = {
            key: bool(data.get(f"purpose_{key}")) for key in PURPOSE_QUESTIONS
        }
        diseases = data.get("disease_ids") or []
        if diseases:
            purpose["diseases"] = diseases
        return purpose

    def collaborator_entries(self) -> list[dict[str, str]]:
        entries: list[dict[str, str]] = []
        for line in self.cleaned_data.get("collaborators", "").splitlines():
            parts = [p.strip() for p in line.split(";")]
            if not parts[0]:
                continue
            if len(parts) == 1:
                entries.append({"username": parts[0]})
            else:
                entry = {"name": parts[0], "institution": parts[1] if len(parts) > 1 else ""}
                if len(parts) > 2 and parts[2]:
                    entry["email"] = parts[2]
                entries.append(entry)
        return entries

    def to_data(self) -> dict[str, Any]:
        """The request fields, in the shape the service (and the REST API) takes."""
        data = self.cleaned_data
        return {
            "title": data.get("title", ""),
            "lay_summary": data.get("lay_summary", ""),
            "research_use_statement": data.get("research_use_statement", ""),
            "purpose": self.purpose(),
            "datasets": list(data.get("datasets", [])),
            "collaborators": self.collaborator_entries(),
            "attestations": {key: bool(data.get(f"attest_{key}")) for key in ATTESTATIONS},
        }

    # The status of a refusal the service made while saving (409 for a clash), if any.
    refusal_status: int = 400

    # Errors the service names by API field, shown on the form field that asks for it.
    FIELD_FOR = {"purpose": "diseases", "attestations": None, "file": "document"}

    def add_service_errors(self, details: dict[str, Any]) -> None:
        for key, messages in details.items():
            if not isinstance(messages, list | str):
                continue  # machine-readable extras, such as max_bytes
            field = self.FIELD_FOR.get(key, key)
            if field not in self.fields:
                field = None
            for message in messages if isinstance(messages, list) else [messages]:
                self.add_error(field, str(message))


def initial_from(access_request: AccessRequest) -> dict[str, Any]:
    purpose = access_request.purpose or {}
    initial: dict[str, Any] = {
        "title": access_request.title,
        "lay_summary": access_request.lay_summary,
        "research_use_statement": access_request.research_use_statement,
        "datasets": [row.dataset.accession for row in access_request.requested_datasets.all()],
        "diseases": ", ".join(disease_labels(purpose.get("diseases", []))),
        "collaborators": "\n".join(
            c.shown_username
            if c.shown_username
            else "; ".join(p for p in (c.name, c.institution_name, c.email) if p)
            for c in access_request.collaborators.all()
        ),
    }
    for key in PURPOSE_QUESTIONS:
        initial[f"purpose_{key}"] = bool(purpose.get(key, key == "genetic_studies"))
    for key, given in access_request.attestations().items():
        initial[f"attest_{key}"] = given
    return initial


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=Document.Kind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, ODT or DOCX."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.odt,.docx,application/pdf"}),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=2000)
