"""Filters of the public register. Bounded lengths: every value reaches SQL as a
parameter, and a form error answers 400 instead of a database error."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from transparency.selectors import MAX_DOWNLOAD_PAGE_SIZE, QUERY_LIMIT

no_nul = RegexValidator(r"^[^\x00]*$", _("Remove the NUL character."))


class RegisterFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search titles and lay summaries"),
        required=False,
        max_length=QUERY_LIMIT,
        validators=[no_nul],
    )
    committee = forms.ChoiceField(label=_("Committee"), required=False)
    dataset = forms.CharField(
        label=_("Dataset accession"),
        required=False,
        max_length=24,
        validators=[no_nul],
        help_text=_("e.g. DACD000005"),
    )
    cursor = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    page_size = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_DOWNLOAD_PAGE_SIZE, widget=forms.HiddenInput
    )
    format = forms.ChoiceField(
        required=False,
        choices=[("", "HTML"), ("csv", "CSV"), ("json", "JSON")],
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, committees: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["committee"]).choices = [
            ("", _("Any committee")),
            *committees,
        ]

    def clean_dataset(self) -> str:
        return str(self.cleaned_data.get("dataset") or "").strip().upper()
