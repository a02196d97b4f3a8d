"""Page forms for a committee's agreement template and agreement policy. They only parse
input; agreements.services decides (placeholders, limits, who may)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TemplateVersionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text (Markdown)"),
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "true"}),
        help_text=_(
            "Placeholders in double braces, such as {{ reference }}, are filled in when an "
            "agreement is prepared; the list of placeholders is below. Agreements already "
            "prepared keep the version they were made from."
        ),
    )


class PolicyForm(forms.Form):
    countersignature_required = forms.BooleanField(
        label=_("The signing official of the applicant's institution must countersign"),
        required=False,
    )
    withdrawal_deadline_days = forms.IntegerField(
        label=_("Days to delete withdrawn participants' data"),
        min_value=1,
        max_value=365,
    )
    progress_report_grace_days = forms.IntegerField(
        label=_("Grace period for overdue progress reports (days)"),
        min_value=0,
        max_value=365,
    )
    signature_deadline_days = forms.IntegerField(
        label=_("Days the applicant has to sign the agreement"),
        min_value=1,
        max_value=365,
        help_text=_("Unsigned after this, the approval lapses and its grants are revoked."),
    )
