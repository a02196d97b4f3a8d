"""Forms of the catalogue and the steward pages. They only shape input; the services
validate and decide."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from consent.disease_names import clean_disease_field, diseases_from_text
from consent.matching import MODIFIERS, PERMISSIONS, normalise_code
from consent.models import ConsentScope
from consent.rendering import condition_text, permission_text

PERMISSION_CHOICES = [("", _("Any permission")), *ConsentScope.Permission.choices]


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    permission = forms.ChoiceField(
        label=_("Permission"), choices=PERMISSION_CHOICES, required=False
    )
    disease = forms.CharField(
        label=_("Disease"),
        required=False,
        max_length=200,
        help_text=_(
            "A disease name such as breast cancer, or its id, as in breast cancer "
            "(DOID:1612): shows the disease-specific datasets whose consent covers it."
        ),
    )
    committee = forms.ChoiceField(label=_("Committee"), required=False)

    def __init__(self, *args: Any, committees: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["committee"]).choices = [
            ("", _("Any committee")),
            *committees,
        ]

    def clean_disease(self) -> str:
        """A name becomes its id (consent.disease_names); the filter works on ids."""
        text = str(self.cleaned_data.get("disease") or "").strip()
        if not text:
            return ""
        ids, problems = diseases_from_text(text)
        if problems or len(ids) != 1:
            raise forms.ValidationError(problems or [_("Give one disease.")])
        return ids[0]


class StudyForm(forms.Form):
    accession = forms.CharField(label=_("Accession"), max_length=24, help_text=_("e.g. DACS000004"))
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Public description"), widget=forms.Textarea, required=False
    )
    committee = forms.ChoiceField(label=_("Committee"))

    def __init__(self, *args: Any, committees: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["committee"]).choices = committees


class StudyEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Public description"), widget=forms.Textarea, required=False
    )


class DatasetEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Public description"), widget=forms.Textarea, required=False
    )
    participant_count = forms.IntegerField(
        label=_("Participants"), min_value=0, max_value=100_000_000
    )
    data_types = forms.CharField(
        label=_("Data types"), required=False, max_length=1000, help_text=_("Comma-separated.")
    )
    is_public = forms.BooleanField(label=_("Listed in the public catalogue"), required=False)

    def clean_data_types(self) -> list[str]:
        return [v.strip() for v in self.cleaned_data["data_types"].split(",") if v.strip()]


class DatasetForm(DatasetEditForm):
    accession = forms.CharField(label=_("Accession"), max_length=24, help_text=_("e.g. DACD000010"))
    study = forms.ChoiceField(label=_("Study"))
    field_order = [
        "accession",
        "study",
        "title",
        "description",
        "participant_count",
        "data_types",
        "is_public",
    ]

    def __init__(self, *args: Any, studies: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["study"]).choices = studies


def _split(text: str) -> list[str]:
    return [p for p in re.split(r"[\s,;]+", text or "") if p]


PERMISSION_ORDER = ("NRES", "GRU", "HMB", "DS", "POA")


def _permission_choices() -> list[tuple[str, str]]:
    """In words, widest use first: a steward chooses the consent, not a code."""
    return [(code, permission_text(code).capitalize()) for code in PERMISSION_ORDER]


def _modifier_choices() -> list[tuple[str, str]]:
    words = [(code, condition_text(code)) for code in MODIFIERS]
    return [(code, text[:1].upper() + text[1:]) for code, text in sorted(words, key=lambda w: w[1])]


class CodeChoiceField(forms.ChoiceField):
    """A DUO choice shown in words; a code or CURIE typed by a script (any case) is taken
    too, as the REST API takes it."""

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        code, _problem = normalise_code(text, PERMISSIONS)
        return code or text


class CodesChoiceField(forms.MultipleChoiceField):
    """DUO modifiers as ticked boxes in words; a comma-separated text of codes or CURIEs
    (what the form used to take, and scripts still send) is taken too."""

    def to_python(self, value: Any) -> list[str]:
        items = value if isinstance(value, list | tuple) else [value] if value else []
        codes = []
        for item in items:
            for part in _split(str(item)):
                code, _problem = normalise_code(part, MODIFIERS)
                codes.append(code or part)
        return codes


class ScopeForm(forms.Form):
    permission = CodeChoiceField(
        label=_("What the participants allowed"),
        choices=_permission_choices,
        widget=forms.RadioSelect,
    )
    diseases = forms.CharField(
        label=_("Diseases (DS only)"),
        required=False,
        max_length=1000,
        help_text=_(
            "Disease names, comma-separated, e.g. cancer; or their ids, as in cancer (DOID:162)."
        ),
    )
    modifiers = CodesChoiceField(
        label=_("Conditions on the use"),
        required=False,
        choices=_modifier_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Some conditions take a detail below (a region, a date, names)."),
    )
    gs_region = forms.CharField(label=_("Region (GS)"), required=False, max_length=200)
    mor_date = forms.DateField(
        label=_("No publication before (MOR)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    ts_months = forms.IntegerField(
        label=_("Time limit in months (TS)"), required=False, min_value=1, max_value=1200
    )
    us_names = forms.CharField(label=_("Approved users (US)"), required=False, max_length=1000)
    is_names = forms.CharField(
        label=_("Approved institutions (IS)"), required=False, max_length=1000
    )
    ps_names = forms.CharField(label=_("Approved projects (PS)"), required=False, max_length=1000)
    col_names = forms.CharField(
        label=_("Investigators to collaborate with (COL)"), required=False, max_length=1000
    )
    rs_description = forms.CharField(label=_("Research type (RS)"), required=False, max_length=200)
    note = forms.CharField(
        label=_("Why this version"), widget=forms.Textarea, required=False, max_length=2000
    )

    def clean_diseases(self) -> str:
        return clean_disease_field(self, "diseases")

    PARAMS = {
        "GS": ("region", "gs_region"),
        "MOR": ("date", "mor_date"),
        "TS": ("months", "ts_months"),
        "US": ("names", "us_names"),
        "IS": ("names", "is_names"),
        "PS": ("names", "ps_names"),
        "COL": ("names", "col_names"),
        "RS": ("description", "rs_description"),
    }

    def data_use(self) -> dict[str, Any]:
        """The raw data_use for consent_scope_create (which validates it)."""
        data = self.cleaned_data
        modifiers: list[Any] = []
        for item in data.get("modifiers") or []:
            code, _problem = normalise_code(item, MODIFIERS)
            if code in self.PARAMS:
                name, field = self.PARAMS[code]
                value = data.get(field)
                if value not in (None, ""):
                    if name == "date":
                        value = value.isoformat()
                    if name == "names":
                        value = [v.strip() for v in str(value).split(",") if v.strip()]
                    modifiers.append({"code": code, name: value})
                    continue
            modifiers.append(item if code is None else code)
        return {
            "permission": data.get("permission", ""),
            "diseases": data.get("disease_ids") or [],
            "modifiers": modifiers,
        }


class WithdrawalForm(forms.Form):
    participant_count = forms.IntegerField(
        label=_("Participants who withdrew"), min_value=1, max_value=10_000_000
    )
    pseudonymous_ids = forms.CharField(
        label=_("Pseudonymous participant ids"),
        widget=forms.Textarea,
        required=False,
        max_length=20000,
        help_text=_("Codes only, separated by spaces, commas or lines. Never names."),
    )
    effective_on = forms.DateField(
        label=_("Effective on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea, required=False, max_length=2000)


class ReconsentFlagForm(forms.Form):
    reason = forms.CharField(
        label=_("Why participants must re-consent"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_(
            "For example: participants recruited as minors have reached adulthood. Shown to "
            "the committee; while the flag is open, no new access to this dataset is approved."
        ),
    )
    participant_count = forms.IntegerField(
        label=_("Participants concerned (if known)"),
        required=False,
        min_value=1,
        max_value=10_000_000,
    )


class ReconsentClearForm(forms.Form):
    note = forms.CharField(
        label=_("How re-consent was completed"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class CatalogueUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Catalogue file"),
        help_text=_(
            "A CSV or JSON file, one dataset per row, in the format of the catalogue import "
            "guide. Nothing is written until you have read the check and chosen to import."
        ),
    )


class CatalogueImportForm(forms.Form):
    skip_refused = forms.BooleanField(
        label=_("Import the other rows and leave the refused ones out"),
        required=False,
    )
