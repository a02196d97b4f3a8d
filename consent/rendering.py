"""Plain-language rendering of a consent scope, e.g. "Use allowed only for research on
breast cancer, non-commercial, ethics approval required". Translatable; no ORM (labels of
disease ids are passed in)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from consent.matching import DataUse, Modifier


def _names(modifier: Modifier) -> str:
    return ", ".join(modifier.params.get("names") or [])


def _permission_text(data_use: DataUse, labels: Mapping[str, str]) -> str:
    permission = data_use.permission
    if permission == "NRES":
        return _("Use allowed without restriction")
    if permission == "GRU":
        return _("Use allowed for any research purpose")
    if permission == "HMB":
        return _("Use allowed only for health, medical or biomedical research")
    if permission == "POA":
        return _("Use allowed only for research on population origins or ancestry")
    diseases = _(" or ").join(labels.get(d, d) for d in data_use.diseases)
    return _("Use allowed only for research on %(diseases)s") % {"diseases": diseases}


def _modifier_text(modifier: Modifier) -> str:
    code, params = modifier.code, modifier.params
    names = _names(modifier)
    texts: dict[str, Any] = {
        "NCU": _("non-commercial"),
        "NPU": _("only by not-for-profit organisations"),
        "NPUNCU": _("only by not-for-profit organisations, non-commercial"),
        "NPOA": _("no population origins or ancestry research"),
        "NMDS": _("no general methods development"),
        "GSO": _("genetic studies only"),
        "IRB": _("ethics approval required"),
        "PUB": _("results must be published"),
        "RTN": _("derived data must be returned to the resource"),
        "CC": _("clinical care use also allowed"),
        "RS": _("limited to a specific research type")
        + (f" ({params['description']})" if params.get("description") else ""),
    }
    if code in texts:
        return str(texts[code])
    if code == "GS":
        region = params.get("region")
        return (
            _("only within %(region)s") % {"region": region}
            if region
            else _("geographically restricted")
        )
    if code == "MOR":
        date = params.get("date")
        return (
            _("no publication before %(date)s") % {"date": date}
            if date
            else _("publication moratorium")
        )
    if code == "TS":
        months = params.get("months")
        return (
            _("for %(months)s months") % {"months": months} if months else _("for a limited time")
        )
    if code == "COL":
        return (
            _("collaboration with %(names)s required") % {"names": names}
            if names
            else _("collaboration with the study investigators required")
        )
    if code == "US":
        return _("only by approved users") + (f" ({names})" if names else "")
    if code == "IS":
        return _("only within approved institutions") + (f" ({names})" if names else "")
    if code == "PS":
        return _("only within approved projects") + (f" ({names})" if names else "")
    return code


def describe(data_use: DataUse, labels: Mapping[str, str] | None = None) -> str:
    """One sentence: the permission, then each modifier, comma-separated."""
    parts = [_permission_text(data_use, labels or {})]
    parts.extend(_modifier_text(m) for m in data_use.modifiers)
    return ", ".join(parts) + "."


def permission_text(code: str) -> str:
    """A DUO permission code (GRU, HMB, DS…) in a few words, for tables; an unknown code
    is returned as it is."""
    words: dict[str, Any] = {
        "NRES": _("no restriction"),
        "GRU": _("general research use"),
        "HMB": _("health, medical or biomedical research"),
        "DS": _("disease-specific research"),
        "POA": _("population origins or ancestry research"),
    }
    return str(words.get(code, code))


def condition_text(code: str) -> str:
    """A consent condition (a DUO modifier code such as PUB or IRB) in words, for pages
    that list the conditions a use must meet; an unknown code is returned as it is."""
    return _modifier_text(Modifier(code=str(code)))


__all__ = ["condition_text", "describe", "permission_text"]
