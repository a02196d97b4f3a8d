"""Page forms of agreements and grants. They only parse input; services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Institution
from agreements import doi

# Fields of a form whose names start so are the findings (issue 21): the grant page shows
# them in a fieldset of their own, and the view hands them to the service as `findings`.
FINDINGS_FIELD_PREFIX = "findings_"


class SignForm(forms.Form):
    accept = forms.BooleanField(
        label=_(
            "I have read this agreement and accept it on behalf of myself and the "
            "collaborators listed in it."
        ),
        required=True,
    )
    text_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)


class CountersignForm(forms.Form):
    accept = forms.BooleanField(
        label=_("As signing official of the institution, I countersign this agreement."),
        required=True,
    )
    text_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded in the audit log and sent to the grant holder."),
    )


class RenewalRequestForm(forms.Form):
    justification = forms.CharField(
        label=_("Why do you need more time?"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RenewalDecisionForm(forms.Form):
    # Radios that start empty: a decision is always one the chair picked.
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approved", _("Approve the renewal")), ("rejected", _("Reject the renewal"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (required for a rejection)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RenewalVoteForm(forms.Form):
    """No vote is chosen for anyone: the radios start empty."""

    vote = forms.ChoiceField(
        label=_("Your vote on the renewal"),
        choices=[("approve", _("Approve")), ("reject", _("Reject")), ("abstain", _("Abstain"))],
        widget=forms.RadioSelect,
    )
    rationale = forms.CharField(
        label=_("Your reasons"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The committee reads them; the holder does not."),
    )


class FindingsFields(forms.Form):
    """The findings of a report or a close-out (WHO 3.3 and 3.7). DOIs are checked here
    too, so that the page names each bad one at its field with the text kept; the service
    checks them again for the API."""

    findings_summary = forms.CharField(
        label=_("Plain-language summary of findings"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the research found, in words a participant would understand."),
    )
    findings_publications = forms.CharField(
        label=_("Publications (DOIs, one per line)"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example 10.1234/abc.5678 or https://doi.org/10.1234/abc.5678."),
    )
    findings_return_of_results = forms.CharField(
        label=_("Return of results to participants or communities"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("How results were, or will be, shared with those who gave the data."),
    )

    def clean_findings_publications(self) -> list[str]:
        good, bad = doi.parse_dois(self.cleaned_data["findings_publications"].splitlines())
        if bad:
            raise forms.ValidationError(
                _("Not a DOI: %(entries)s. A DOI looks like 10.1234/abc.5678."),
                params={"entries": ", ".join(bad)},
                code="invalid_doi",
            )
        return good

    def findings(self) -> dict[str, object]:
        """The findings as the services take them."""
        data = self.cleaned_data
        return {
            "summary": data.get("findings_summary", ""),
            "publications": data.get("findings_publications", []),
            "return_of_results": data.get("findings_return_of_results", ""),
            "no_findings_yet": bool(data.get("findings_none_yet")),
        }


class ProgressReportForm(FindingsFields):
    summary = forms.CharField(
        label=_("Progress summary"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4})
    )
    publications = forms.CharField(
        label=_("Other publications and presentations (one per line)"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    purpose_changes = forms.CharField(
        label=_("Changes of purpose, if any"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    field_order = [
        "summary",
        "publications",
        "purpose_changes",
        "findings_summary",
        "findings_publications",
        "findings_return_of_results",
    ]


class DestructionForm(forms.Form):
    statement = forms.CharField(
        label=_("Destruction statement"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Which copies were destroyed, where and how."),
    )


class HolderDestructionForm(FindingsFields):
    """The holder's close-out: the destruction statement and the findings, whose summary
    is required unless the holder ticks that there are none yet."""

    statement = DestructionForm.base_fields["statement"]
    findings_none_yet = forms.BooleanField(
        label=_("There are no findings to report yet"),
        required=False,
    )
    field_order = [
        "statement",
        "findings_summary",
        "findings_none_yet",
        "findings_publications",
        "findings_return_of_results",
    ]

    def clean(self) -> dict[str, object] | None:
        data = super().clean() or {}
        if not data.get("findings_summary") and not data.get("findings_none_yet"):
            self.add_error(
                "findings_summary",
                _("Summarise the findings, or tick that there are none yet."),
            )
        return data


class AcknowledgeForm(forms.Form):
    notice = forms.UUIDField(widget=forms.HiddenInput)
    confirm_deletion = forms.BooleanField(
        label=_("I confirm that the withdrawn participants' data is deleted from every copy."),
        required=True,
    )


class SanctionForm(forms.Form):
    username = forms.CharField(
        label=_("Researcher's user name"),
        max_length=150,
        required=False,
        help_text=_("Fill in either a researcher or an institution."),
    )
    institution = forms.ModelChoiceField(
        label=_("Institution"),
        queryset=Institution.objects.order_by("name"),
        required=False,
        empty_label=_("(none)"),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    ends_on = forms.DateField(
        label=_("Ends on (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: until lifted."),
    )


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("Why lift it?"), max_length=2000)


class CollaboratorSignForm(forms.Form):
    accept = forms.BooleanField(
        label=_(
            "I have read this agreement and accept it for my own use of the data, as a "
            "collaborator on this request."
        ),
        required=True,
    )
    text_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded in the audit log and told to the other person."),
    )
