"""Query parameters of the audit page and API, validated once for both: a bad value is a
400 naming the parameter, never a 500."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from audit import registry
from audit.export import FORMATS

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
# Seq numbers are bigint; anything larger is junk, not a very late event.
MAX_SEQ = 2**63 - 1


def parse_bound(value: str | None, *, end: bool) -> dt.datetime | None:
    """A date ("2026-11-25") or an ISO date-time, read as UTC when it has no zone. A date
    as an end bound means the whole day: the bound is the next midnight, exclusive."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    # The date first: Python reads "2026-11-25" as a date-time at midnight too.
    try:
        day = parse_date(text)
        moment = None if day else parse_datetime(text)
    except ValueError:
        moment = day = None
    if moment is None and day is None:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD) or an ISO date-time.")
    try:
        if moment is None:
            assert day is not None
            moment = dt.datetime.combine(day, dt.time.min)
            if end:
                moment += dt.timedelta(days=1)
        elif end:
            # An explicit end time is inclusive: move the exclusive bound just past it.
            moment += dt.timedelta(microseconds=1)
    except OverflowError:
        raise ValueError(f"{text!r} is out of range.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


class _BoundField(forms.CharField):
    def __init__(self, *, end: bool, **kwargs: Any):
        self.end = end
        super().__init__(required=False, max_length=40, **kwargs)

    def clean(self, value: Any) -> dt.datetime | None:
        text = super().clean(value)
        try:
            return parse_bound(text, end=self.end)
        except (ValueError, OverflowError):
            raise forms.ValidationError(
                _("Enter a date (YYYY-MM-DD) or a date and time (ISO 8601)."), code="invalid"
            ) from None


@dataclass(frozen=True)
class EventFilter:
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    actor: str = ""
    occurred_from: dt.datetime | None = None
    occurred_to: dt.datetime | None = None  # exclusive

    def is_empty(self) -> bool:
        return self == EventFilter()


def action_choices() -> list[tuple[str, Any]]:
    return [("", _("Any action")), *registry.choices()]


class AuditFilterForm(forms.Form):
    """Filters and keyset position of the event list. The field names are the query
    parameters: action, object (type:id), actor (user name, or system:<job>), from, to,
    after_seq, before_seq, limit."""

    action = forms.ChoiceField(label=_("Action"), required=False, choices=action_choices)
    object = forms.CharField(
        label=_("Object"),
        required=False,
        max_length=200,
        help_text=_("Type and identifier, e.g. access_request:DAR-2026-000001"),
    )
    actor = forms.CharField(
        label=_("Actor"),
        required=False,
        max_length=150,
        help_text=_("A user name, or system:<job> for automatic jobs."),
    )
    after_seq = forms.IntegerField(required=False, min_value=0, max_value=MAX_SEQ)
    before_seq = forms.IntegerField(required=False, min_value=1, max_value=MAX_SEQ)
    limit = forms.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # "from" and "to" are Python keywords, hence declared here.
        self.fields["from"] = _BoundField(
            end=False, label=_("From"), help_text=_("Date (YYYY-MM-DD), UTC")
        )
        self.fields["to"] = _BoundField(
            end=True, label=_("To"), help_text=_("Date (YYYY-MM-DD), inclusive, UTC")
        )
        self.order_fields(["action", "object", "actor", "from", "to"])

    def clean_object(self) -> tuple[str, str]:
        value = self.cleaned_data.get("object") or ""
        if not value:
            return "", ""
        object_type, sep, object_id = value.partition(":")
        if not sep or not object_type or not object_id:
            raise forms.ValidationError(
                _("Write the object as type:identifier, e.g. user:3f2a…"), code="invalid"
            )
        return object_type, object_id

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("after_seq") is not None and data.get("before_seq") is not None:
            raise forms.ValidationError(_("Use after_seq or before_seq, not both."))
        start, end = data.get("from"), data.get("to")
        if start and end and start >= end:
            self.add_error("to", _("The end must come after the start."))
        return data

    def event_filter(self) -> EventFilter:
        data = self.cleaned_data
        object_type, object_id = data.get("object") or ("", "")
        return EventFilter(
            action=data.get("action") or "",
            object_type=object_type,
            object_id=object_id,
            actor=(data.get("actor") or "").strip(),
            occurred_from=data.get("from"),
            occurred_to=data.get("to"),
        )


class ExportForm(forms.Form):
    """format (csv|jsonl), from, to, and through_seq (the head seq when the page was shown,
    so that the manifest describes exactly the file downloaded)."""

    format = forms.ChoiceField(
        label=_("Format"),
        choices=[(f, f.upper() if f == "csv" else _("JSON Lines")) for f in FORMATS],
        initial="csv",
        widget=forms.RadioSelect,
    )
    through_seq = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_SEQ, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["from"] = _BoundField(
            end=False, label=_("From"), help_text=_("Date (YYYY-MM-DD), UTC; empty: the start")
        )
        self.fields["to"] = _BoundField(
            end=True, label=_("To"), help_text=_("Date (YYYY-MM-DD), inclusive; empty: now")
        )
        self.order_fields(["format", "from", "to", "through_seq"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("from"), data.get("to")
        if start and end and start >= end:
            self.add_error("to", _("The end must come after the start."))
        return data
