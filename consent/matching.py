"""The consent matcher: does a research purpose fit a dataset's data use conditions?

Pure Python, no ORM: `evaluate(data_use, purpose, ontology)` needs only the two values and
an `Ontology` that answers subsumption from an in-memory ancestor set. The services layer
(consent.services) builds those from the database; the benchmark and the property tests
build them directly.

Every rule is documented with its source in docs/consent-matching.md. In short:
- a deny anywhere makes the result `incompatible`;
- otherwise a rule that only a human can judge makes it `needs_review`;
- otherwise it is `compatible`;
- obligations the applicant must meet (IRB, PUB, COL, MOR, RTN, TS) are `conditions`
  whatever the result.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.translation import get_language, gettext

# gettext costs more than a whole rule: it asks a thread-local for the active language and
# searches the catalogues every time. `evaluate` reads the language once and `_` keeps
# each (language, message) it translated; a message is the same in a language for the life
# of the process. Outside `evaluate`, `_` is plain gettext. (`_` stays the name, so
# makemessages still finds every message.)
_language: ContextVar[str | None] = ContextVar("consent_matching_language", default=None)
_translated: dict[tuple[str, str], Said] = {}


class Said(str):
    """A reason in the language it was evaluated in, which remembers its English message
    and parameters, so that a reader in another language reads it in theirs later
    (`reason_text`; issue 22). Behaves as the plain string everywhere else."""

    msgid: str
    params: Mapping[str, Any]

    def __new__(cls, text: str, msgid: str, params: Mapping[str, Any] | None = None) -> Said:
        said = super().__new__(cls, text)
        said.msgid, said.params = msgid, dict(params or {})
        return said

    def __mod__(self, params: Any) -> Said:  # type: ignore[override]
        values = {key: str(value) for key, value in params.items()}
        return Said(str.__mod__(self, params), self.msgid, values)


def _(message: str) -> Said:
    language = _language.get()
    if language is None:
        return Said(gettext(message), message)
    key = (language, message)
    found = _translated.get(key)
    if found is None:
        found = _translated[key] = Said(gettext(message), message)
    return found


def reason(code: str, message: str) -> dict[str, Any]:
    """A reason as evaluations store it: the code, the message as said, and (when it is a
    Said) its English message and parameters for reading it in another language."""
    if isinstance(message, Said):
        return {
            "code": code,
            "message": str(message),
            "msgid": message.msgid,
            "params": message.params,
        }
    return {"code": code, "message": message}


def reason_text(item: Mapping[str, Any]) -> str:
    """A stored reason in the active language: its message translated and filled in again
    when it was stored with one, else the text stored (reasons stored before issue 22)."""
    msgid = item.get("msgid")
    if not msgid:
        return str(item.get("message", ""))
    try:
        return gettext(msgid) % item.get("params", {}) if item.get("params") else gettext(msgid)
    except (KeyError, TypeError, ValueError):  # a catalogue with a broken placeholder
        return str(item.get("message", ""))


COMPATIBLE = "compatible"
INCOMPATIBLE = "incompatible"
NEEDS_REVIEW = "needs_review"

# DUO shorthand <-> CURIE (DUO release 2021-02-23). NPOA's IRI has eight digits in the
# release, but its id is DUO:0000044 (see the ontology README): we key by id.
PERMISSIONS: dict[str, str] = {
    "NRES": "DUO:0000004",
    "GRU": "DUO:0000042",
    "HMB": "DUO:0000006",
    "DS": "DUO:0000007",
    "POA": "DUO:0000011",
}
MODIFIERS: dict[str, str] = {
    "NPOA": "DUO:0000044",
    "RS": "DUO:0000012",
    "NMDS": "DUO:0000015",
    "GSO": "DUO:0000016",
    "NPUNCU": "DUO:0000018",
    "PUB": "DUO:0000019",
    "COL": "DUO:0000020",
    "IRB": "DUO:0000021",
    "GS": "DUO:0000022",
    "MOR": "DUO:0000024",
    "TS": "DUO:0000025",
    "US": "DUO:0000026",
    "PS": "DUO:0000027",
    "IS": "DUO:0000028",
    "RTN": "DUO:0000029",
    "CC": "DUO:0000043",
    "NPU": "DUO:0000045",
    "NCU": "DUO:0000046",
}
CODE_OF_CURIE: dict[str, str] = {
    curie: code for code, curie in (*PERMISSIONS.items(), *MODIFIERS.items())
}
# Obsolete DUO codes: refused with advice rather than guessed.
OBSOLETE_CODES: dict[str, str] = {
    "GRU-CC": "GRU + CC",
    "DUO:0000005": "GRU + CC",
    "RU": "GRU",
    "DUO:0000014": "GRU",
}

# Modifiers that oblige the applicant to do something; they never change the result.
CONDITION_CODES = ("IRB", "PUB", "COL", "MOR", "RTN", "TS")
# Modifiers whose fit only a person can judge (who, where, which project, which research).
REVIEW_CODES = ("GS", "US", "PS", "IS", "RS")

# Parameters each modifier accepts: name -> kind ("text", "date", "months", "names").
MODIFIER_PARAMETERS: dict[str, dict[str, str]] = {
    "GS": {"region": "text"},
    "MOR": {"date": "date"},
    "TS": {"months": "months"},
    "US": {"names": "names"},
    "IS": {"names": "names"},
    "PS": {"names": "names"},
    "COL": {"names": "names"},
    "RS": {"description": "text"},
}

# Reason codes of the rules that deny (the result is then incompatible).
DENY_CODES = frozenset(
    {
        "HMB_POA",
        "HMB_GENERAL",
        "DS_DISEASE",
        "DS_HMB",
        "DS_GENERAL",
        "DS_POA",
        "POA_ONLY",
        "NPOA",
        "NMDS",
        "GSO",
        "NCU",
        "NPU",
        "NPUNCU",
    }
)

PURPOSE_FLAGS = (
    "hmb",
    "population_origins",
    "methods_development",
    "controls",
    "commercial",
    "for_profit",
    "genetic_studies",
)
DISEASE_CURIE = re.compile(r"^(DOID|MONDO):[0-9]{1,10}\Z")
MAX_DISEASES = 50
MAX_MODIFIERS = 30


class Ontology(Protocol):
    """What the matcher needs to know about diseases."""

    def is_a(self, descendant: str, ancestor: str) -> bool:
        """True when `descendant` is `ancestor` or below it in the is-a closure."""
        ...

    def label(self, curie: str) -> str:
        """A human name for the term (the CURIE itself when unknown)."""
        ...

    def resolve(self, curie: str) -> tuple[str | None, str]:
        """(current id, "") for a usable id — an alternative or obsolete id maps to its
        replacement — or (None, message naming the id) when it must be refused."""
        ...


@dataclass
class MemoryOntology:
    """An Ontology over plain dicts: `ancestors[t]` is every ancestor of t (t included
    or not: is_a treats equality as true); `replaced_by` maps alternative and obsolete ids
    to current ones; `refused` maps ids that cannot be used to the reason."""

    ancestors: Mapping[str, frozenset[str] | set[str]] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    replaced_by: Mapping[str, str] = field(default_factory=dict)
    refused: Mapping[str, str] = field(default_factory=dict)

    def is_a(self, descendant: str, ancestor: str) -> bool:
        if descendant == ancestor:
            return True
        found = self.ancestors.get(descendant)
        return found is not None and ancestor in found

    def label(self, curie: str) -> str:
        return self.labels.get(curie, curie)

    def resolve(self, curie: str) -> tuple[str | None, str]:
        if curie in self.refused:
            return None, self.refused[curie]
        if curie in self.replaced_by:
            return self.replaced_by[curie], ""
        if curie in self.ancestors or curie in self.labels:
            return curie, ""
        return None, _("%(id)s is not a known disease term.") % {"id": curie}


@dataclass(frozen=True)
class Modifier:
    code: str
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, **dict(self.params)}


@dataclass(frozen=True)
class DataUse:
    """A dataset's consent: one DUO permission, disease CURIEs (DS only), modifiers."""

    permission: str
    diseases: tuple[str, ...] = ()
    modifiers: tuple[Modifier, ...] = ()

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(m.code for m in self.modifiers)

    def modifier(self, code: str) -> Modifier | None:
        for modifier in self.modifiers:
            if modifier.code == code:
                return modifier
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "permission": self.permission,
            "diseases": list(self.diseases),
            "modifiers": [m.as_dict() for m in self.modifiers],
        }


@dataclass(frozen=True)
class Purpose:
    """A structured research purpose (docs/api.md). Omitted flags are false except
    `genetic_studies`. `replaced` records (given id, current id) pairs for disease ids
    that were alternative or obsolete, so the evaluation can say so."""

    diseases: tuple[str, ...] = ()
    hmb: bool = False
    population_origins: bool = False
    methods_development: bool = False
    controls: bool = False
    commercial: bool = False
    for_profit: bool = False
    genetic_studies: bool = True
    replaced: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @property
    def is_health(self) -> bool:
        # Disease-specific research is health research (docs/api.md).
        return bool(self.diseases) or self.hmb

    @property
    def is_general(self) -> bool:
        """No disease and no research-type flag: general research (GRU-type)."""
        return not (
            self.diseases or self.hmb or self.population_origins or self.methods_development
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "diseases": list(self.diseases),
            "hmb": self.hmb,
            "population_origins": self.population_origins,
            "methods_development": self.methods_development,
            "controls": self.controls,
            "commercial": self.commercial,
            "for_profit": self.for_profit,
            "genetic_studies": self.genetic_studies,
        }


@dataclass
class Evaluation:
    result: str
    reasons: list[dict[str, Any]]
    conditions: list[str]
    scope_version: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "result": self.result,
            "reasons": [dict(r) for r in self.reasons],
            "conditions": list(self.conditions),
            "scope_version": self.scope_version,
        }


class ParseError(Exception):
    """Bad input, with every problem listed per field (services turn it into a 400)."""

    def __init__(self, errors: Mapping[str, list[str]]):
        self.errors = {k: list(v) for k, v in errors.items() if v}
        super().__init__("; ".join(m for msgs in self.errors.values() for m in msgs))


# --------------------------------------------------------------------------- parsing


def normalise_code(value: Any, table: Mapping[str, str]) -> tuple[str | None, str]:
    """A DUO shorthand or CURIE (any case) -> (shorthand, "") or (None, message)."""
    if not isinstance(value, str) or not value.strip():
        return None, _("%(value)r is not a DUO code.") % {"value": value}
    text = value.strip()
    upper = text.upper()
    if upper in table:
        return upper, ""
    code = CODE_OF_CURIE.get(upper)
    if code is not None and code in table:
        return code, ""
    if upper in OBSOLETE_CODES:
        return None, _("%(value)s is obsolete in DUO; use %(advice)s instead.") % {
            "value": text,
            "advice": OBSOLETE_CODES[upper],
        }
    return None, _("%(value)s is not a known DUO code here.") % {"value": text}


def _resolve_diseases(
    raw: Any, ontology: Ontology, errors: list[str]
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    if raw is None:
        return (), ()
    if not isinstance(raw, list):
        errors.append(_("diseases must be a list of disease ids such as DOID:162."))
        return (), ()
    if len(raw) > MAX_DISEASES:
        errors.append(_("At most %(n)d diseases.") % {"n": MAX_DISEASES})
        return (), ()
    resolved: list[str] = []
    replaced: list[tuple[str, str]] = []
    for item in raw:
        if not isinstance(item, str) or not DISEASE_CURIE.match(item.strip()):
            errors.append(_("%(value)r is not a disease id (DOID:… or MONDO:…).") % {"value": item})
            continue
        curie = item.strip()
        current, message = ontology.resolve(curie)
        if current is None:
            errors.append(message)
            continue
        if current != curie:
            replaced.append((curie, current))
        if current not in resolved:
            resolved.append(current)
    return tuple(resolved), tuple(replaced)


def parse_purpose(raw: Any, ontology: Ontology) -> Purpose:
    """Validate docs/api.md's `purpose` object. Raises ParseError naming every bad field and
    every unknown, refused or malformed disease id."""
    if not isinstance(raw, Mapping):
        raise ParseError({"purpose": [_("The purpose must be a JSON object.")]})
    errors: dict[str, list[str]] = {}
    for key in raw:
        if key != "diseases" and key not in PURPOSE_FLAGS:
            errors.setdefault(str(key), []).append(
                _("%(key)s is not a purpose field.") % {"key": key}
            )
    flags: dict[str, bool] = {}
    for name in PURPOSE_FLAGS:
        if name not in raw or raw[name] is None:
            continue
        if not isinstance(raw[name], bool):
            errors.setdefault(name, []).append(_("%(key)s must be true or false.") % {"key": name})
            continue
        flags[name] = raw[name]
    disease_errors: list[str] = []
    diseases, replaced = _resolve_diseases(raw.get("diseases"), ontology, disease_errors)
    if disease_errors:
        errors["diseases"] = disease_errors
    if errors:
        raise ParseError(errors)
    return Purpose(diseases=diseases, replaced=replaced, **flags)


def _parse_param(code: str, name: str, kind: str, value: Any) -> tuple[Any, str]:
    if isinstance(value, str) and "\x00" in value:
        value = None  # NUL characters are refused (PostgreSQL cannot store them)
    if kind == "text":
        if isinstance(value, str) and value.strip() and len(value) <= 200:
            return value.strip(), ""
        return None, _("%(code)s %(name)s must be a short text.") % {"code": code, "name": name}
    if kind == "date":
        try:
            return dt.date.fromisoformat(str(value)).isoformat(), ""
        except ValueError:
            return None, _("%(code)s %(name)s must be a date (YYYY-MM-DD).") % {
                "code": code,
                "name": name,
            }
    if kind == "months":
        if isinstance(value, bool) or not isinstance(value, int | str):
            value = None
        try:
            months = int(value) if value is not None else 0
        except ValueError:
            months = 0
        if 1 <= months <= 1200:
            return months, ""
        return None, _("%(code)s %(name)s must be a whole number of months.") % {
            "code": code,
            "name": name,
        }
    # names: a list of non-empty strings, or one comma-separated string
    if isinstance(value, str):
        value = [part for part in (p.strip() for p in value.split(",")) if part]
    if (
        isinstance(value, list)
        and value
        and len(value) <= 50
        and all(
            isinstance(v, str) and v.strip() and len(v) <= 200 and "\x00" not in v for v in value
        )
    ):
        return [v.strip() for v in value], ""
    return None, _("%(code)s %(name)s must be a list of names.") % {"code": code, "name": name}


def parse_modifiers(raw: Any) -> tuple[tuple[Modifier, ...], list[str]]:
    """Modifiers as codes, CURIEs, or {"code": ..., parameters} objects."""
    if raw is None:
        return (), []
    if not isinstance(raw, list):
        return (), [_("modifiers must be a list of DUO codes.")]
    if len(raw) > MAX_MODIFIERS:
        return (), [_("At most %(n)d modifiers.") % {"n": MAX_MODIFIERS}]
    errors: list[str] = []
    seen: dict[str, Modifier] = {}
    for item in raw:
        params_raw: Mapping[str, Any] = {}
        if isinstance(item, Mapping):
            params_raw = {k: v for k, v in item.items() if k != "code"}
            item = item.get("code")
        code, message = normalise_code(item, MODIFIERS)
        if code is None:
            errors.append(message)
            continue
        allowed = MODIFIER_PARAMETERS.get(code, {})
        params: dict[str, Any] = {}
        for name, value in params_raw.items():
            if name not in allowed:
                errors.append(
                    _("%(code)s takes no parameter %(name)s.") % {"code": code, "name": name}
                )
                continue
            if value in (None, "", []):
                continue
            parsed, problem = _parse_param(code, str(name), allowed[name], value)
            if problem:
                errors.append(problem)
            else:
                params[str(name)] = parsed
        if code in seen:
            errors.append(_("%(code)s is listed twice.") % {"code": code})
            continue
        seen[code] = Modifier(code=code, params=params)
    return tuple(seen.values()), errors


def parse_data_use(raw: Any, ontology: Ontology) -> DataUse:
    """Validate a `data_use` object: permission, diseases (DS only, at least one),
    modifiers. Codes and CURIEs are both accepted; the result holds shorthands."""
    if not isinstance(raw, Mapping):
        raise ParseError({"data_use": [_("data_use must be a JSON object.")]})
    errors: dict[str, list[str]] = {}
    for key in raw:
        if key not in ("permission", "diseases", "modifiers"):
            errors.setdefault(str(key), []).append(
                _("%(key)s is not a data use field.") % {"key": key}
            )
    permission, message = normalise_code(raw.get("permission"), PERMISSIONS)
    if permission is None:
        errors["permission"] = [message]
    disease_errors: list[str] = []
    diseases, _replaced = _resolve_diseases(raw.get("diseases"), ontology, disease_errors)
    if permission == "DS" and not diseases and not disease_errors:
        disease_errors.append(_("DS needs at least one disease."))
    if permission and permission != "DS" and diseases:
        disease_errors.append(_("Only DS takes diseases."))
    if disease_errors:
        errors["diseases"] = disease_errors
    modifiers, modifier_errors = parse_modifiers(raw.get("modifiers"))
    if modifier_errors:
        errors["modifiers"] = modifier_errors
    if errors:
        raise ParseError(errors)
    assert permission is not None
    return DataUse(permission=permission, diseases=diseases, modifiers=modifiers)


# --------------------------------------------------------------------------- evaluation

Emit = Callable[[str, str], None]


# long: the DUO permission rules as one table in code, read side by side with the DUO specification
def _permission_rules(  # noqa: C901 - the DUO permission table written as code, one branch per rule, read against the DUO spec
    data_use: DataUse, purpose: Purpose, ontology: Ontology, deny: Emit, review: Emit, ok: Emit
) -> None:
    permission = data_use.permission
    if permission == "NRES":
        ok("NRES", _("The data may be used without restriction."))
        return
    if permission == "GRU":
        ok("GRU", _("General research use covers any research purpose."))
        return
    if permission == "HMB":
        if purpose.population_origins:
            deny(
                "HMB_POA",
                _(
                    "Health/medical/biomedical use excludes "
                    "population origins or ancestry research."
                ),
            )
        if purpose.is_health:
            ok("HMB", _("The purpose is health, medical or biomedical research."))
        elif purpose.methods_development:
            ok("MDS", _("Methods development is allowed where it is not expressly prohibited."))
        elif not purpose.population_origins:
            deny(
                "HMB_GENERAL",
                _(
                    "The data are limited to health, medical or biomedical "
                    "research; a general research purpose is outside it."
                ),
            )
        return
    if permission == "DS":
        covered = data_use.diseases
        if purpose.diseases:
            outside = [d for d in purpose.diseases if not any(ontology.is_a(d, a) for a in covered)]
            for disease in outside:
                deny(
                    "DS_DISEASE",
                    _("%(disease)s is not %(allowed)s or a subtype of it.")
                    % {
                        "disease": _term(ontology, disease),
                        "allowed": _or_list(ontology, covered),
                    },
                )
            if not outside:
                ok(
                    "DS",
                    _("Every disease of the purpose is within %(allowed)s.")
                    % {"allowed": _or_list(ontology, covered)},
                )
        elif purpose.hmb:
            deny(
                "DS_HMB",
                _(
                    "The data are limited to research on %(allowed)s; "
                    "health research in general is outside it."
                )
                % {"allowed": _or_list(ontology, covered)},
            )
        elif purpose.methods_development:
            # DUOS testMDS_positive_case_3: methods research on DS data is allowed unless
            # NMDS expressly prohibits it.
            ok("MDS", _("Methods development is allowed where it is not expressly prohibited."))
        elif not purpose.population_origins:
            deny(
                "DS_GENERAL",
                _(
                    "The data are limited to research on %(allowed)s; a "
                    "general research purpose is outside it."
                )
                % {"allowed": _or_list(ontology, covered)},
            )
        if purpose.population_origins:
            deny(
                "DS_POA",
                _("Disease-specific use excludes population origins or ancestry research."),
            )
        return
    # POA
    if purpose.population_origins:
        if purpose.is_health:
            review(
                "POA_HEALTH",
                _(
                    "Population origins research combined with health research: the "
                    "committee judges whether it stays within ancestry research."
                ),
            )
        else:
            ok("POA", _("The purpose is population origins or ancestry research."))
    elif purpose.is_health:
        deny("POA_ONLY", _("The data are limited to population origins or ancestry research."))
    elif purpose.methods_development:
        ok("MDS", _("Methods development is allowed where it is not expressly prohibited."))
    else:
        deny("POA_ONLY", _("The data are limited to population origins or ancestry research."))


def _modifier_rules(  # noqa: C901 - the DUO modifier table written as code, one branch per modifier
    data_use: DataUse,
    purpose: Purpose,
    deny: Emit,
    review: Emit,
    ok: Emit,
    conditions: list[str],
) -> None:
    for modifier in data_use.modifiers:
        code = modifier.code
        if code == "NPOA":
            if purpose.population_origins:
                deny("NPOA", _("Population origins or ancestry research is prohibited."))
        elif code == "NMDS":
            # "no general methods research": methods development tied to the purpose's
            # diseases is not general; the disease rules decide it.
            if purpose.methods_development and not purpose.diseases:
                deny("NMDS", _("General methods development research is not allowed."))
        elif code == "GSO":
            if not purpose.genetic_studies:
                deny(
                    "GSO",
                    _("Only genetic studies are allowed; the purpose is not a genetic study."),
                )
        elif code == "NCU":
            if purpose.commercial:
                deny("NCU", _("Commercial use is not allowed."))
        elif code == "NPU":
            if purpose.for_profit:
                deny("NPU", _("Use by for-profit organisations is not allowed."))
        elif code == "NPUNCU":
            if purpose.commercial or purpose.for_profit:
                deny("NPUNCU", _("Only not-for-profit organisations, for non-commercial use."))
        elif code in REVIEW_CODES:
            review(code, _review_message(modifier))
        elif code in CONDITION_CODES:
            conditions.append(code)
            ok(code, _condition_message(modifier))
        # CC widens use (clinical care); it restricts nothing.


def _review_message(modifier: Modifier) -> str:
    params = modifier.params
    if modifier.code == "GS":
        region = params.get("region")
        if region:
            return _(
                "Use is limited to %(region)s: the committee checks where the data will be used."
            ) % {"region": region}
        return _("Use is limited geographically: the committee checks where the data will be used.")
    if modifier.code == "RS":
        return _(
            "Use is limited to a research type: the committee judges whether the purpose fits."
        )
    names = ", ".join(params.get("names") or [])
    if modifier.code == "US":
        return _(
            "Use is limited to approved users%(names)s: the committee checks the applicant."
        ) % {"names": f" ({names})" if names else ""}
    if modifier.code == "IS":
        return _(
            "Use is limited to approved institutions%(names)s: "
            "the committee checks the institution."
        ) % {"names": f" ({names})" if names else ""}
    return _("Use is limited to approved projects%(names)s: the committee checks the project.") % {
        "names": f" ({names})" if names else ""
    }


def _condition_message(modifier: Modifier) -> str:
    code, params = modifier.code, modifier.params
    if code == "IRB":
        return _("Ethics approval (IRB/ERB) documentation is required.")
    if code == "PUB":
        return _("Results must be made available to the scientific community.")
    if code == "COL":
        names = ", ".join(params.get("names") or [])
        if names:
            return _("Collaboration with the study investigators (%(names)s) is required.") % {
                "names": names
            }
        return _("Collaboration with the study investigators is required.")
    if code == "MOR":
        if params.get("date"):
            return _("No publication before %(date)s.") % {"date": params["date"]}
        return _("A publication moratorium applies.")
    if code == "RTN":
        return _("Derived or enriched data must be returned to the resource.")
    if params.get("months"):
        return _("Use is approved for %(months)s months.") % {"months": params["months"]}
    return _("Use is approved for a limited time.")


def _term(ontology: Ontology, curie: str) -> str:
    label = ontology.label(curie)
    return f"{label} ({curie})" if label and label != curie else curie


def _or_list(ontology: Ontology, curies: Iterable[str]) -> str:
    return _(" or ").join(_term(ontology, c) for c in curies)


def evaluate(data_use: DataUse, purpose: Purpose, ontology: Ontology) -> Evaluation:
    """Evaluate one purpose against one dataset's data use; see the module docstring."""
    token = _language.set(get_language() or "")
    try:
        return _evaluate(data_use, purpose, ontology)
    finally:
        _language.reset(token)


def _evaluate(data_use: DataUse, purpose: Purpose, ontology: Ontology) -> Evaluation:
    denies: list[dict[str, Any]] = []
    reviews: list[dict[str, Any]] = []
    oks: list[dict[str, Any]] = []
    conditions: list[str] = []

    def deny(code: str, message: str) -> None:
        denies.append(reason(code, message))

    def review(code: str, message: str) -> None:
        reviews.append(reason(code, message))

    def ok(code: str, message: str) -> None:
        oks.append(reason(code, message))

    _permission_rules(data_use, purpose, ontology, deny, review, ok)
    if purpose.controls and data_use.permission in ("HMB", "DS", "POA"):
        # DUOS testAbstainDecision_controls abstains; GRU/NRES allow any research use.
        review(
            "CONTROLS",
            _("Using the data as controls for other research needs the committee's judgement."),
        )
    _modifier_rules(data_use, purpose, deny, review, ok, conditions)
    for given, current in purpose.replaced:
        oks.append(
            reason(
                "DISEASE_REPLACED",
                _("%(given)s is no longer current; %(current)s was used instead.")
                % {"given": given, "current": _term(ontology, current)},
            )
        )
    if denies:
        result = INCOMPATIBLE
    elif reviews:
        result = NEEDS_REVIEW
    else:
        result = COMPATIBLE
    return Evaluation(result=result, reasons=denies + reviews + oks, conditions=conditions)


def no_scope_evaluation() -> Evaluation:
    return Evaluation(
        result=NEEDS_REVIEW,
        reasons=[
            reason(
                "NO_SCOPE",
                _("The dataset has no recorded consent scope yet; the committee must judge."),
            )
        ],
        conditions=[],
        scope_version=None,
    )
