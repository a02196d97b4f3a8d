"""Form widgets every app's pages share."""

from __future__ import annotations

from django import forms


class DateInput(forms.DateInput):
    """The browser's own date picker (`<input type="date">`, value in ISO form): accessible
    and translated by the browser, no script of ours."""

    input_type = "date"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")
