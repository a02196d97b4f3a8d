"""The forms of the appeal page. No choice is made for anyone: the vote and the outcome
start empty, so a decision is always one somebody picked."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from access_requests.models import AppealVoteChoice

TEXT_LIMIT = 5000


class AppealForm(forms.Form):
    statement = forms.CharField(
        label=_("Your statement"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Why the decision should be reconsidered: what the committee may have missed or "
            "misread, and anything new. People who took no part in the decision read it."
        ),
    )


class AppealVoteForm(forms.Form):
    vote = forms.ChoiceField(
        label=_("Your vote"), choices=AppealVoteChoice.choices, widget=forms.RadioSelect
    )
    rationale = forms.CharField(
        label=_("Your reasons"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The panel and the committee read them; the applicant does not."),
    )


class AppealDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("The panel's decision"),
        choices=[
            ("upheld", _("Uphold the rejection")),
            ("overturned", _("Overturn it: approve what the consent allows")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("The panel's reasons"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The applicant reads them."),
    )
