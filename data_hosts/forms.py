from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Committee
from data_hosts.models import WebhookEvent


class WebhookForm(forms.Form):
    url = forms.URLField(
        label=_("Target URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where the data host receives events: a public https:// address."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )
    committees = forms.ModelMultipleChoiceField(
        label=_("Committees"),
        queryset=Committee.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="slug",
        help_text=_(
            "Events about these committees' datasets only. None chosen: every committee "
            "(administrators only)."
        ),
    )
    secret = forms.CharField(
        label=_("Signing secret (optional)"),
        required=False,
        help_text=_(
            "A Standard Webhooks secret (whsec_…). Left empty, one is made and shown once."
        ),
    )

    def __init__(self, *args: Any, committees: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["committees"].queryset = committees  # type: ignore[attr-defined]
