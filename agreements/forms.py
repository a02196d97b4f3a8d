"""Page forms of agreements and grants. They only parse input; services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Institution


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


class ProgressReportForm(forms.Form):
    summary = forms.CharField(
        label=_("Progress summary"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4})
    )
    publications = forms.CharField(
        label=_("Publications (one per line)"),
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


class DestructionForm(forms.Form):
    statement = forms.CharField(
        label=_("Destruction statement"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Which copies were destroyed, where and how."),
    )


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
