"""Diseases by name in the forms (issue 14): a person types "breast cancer" or
"DOID:1612", and the form stores the id. The REST API keeps taking ids only; this is the
forms' way in, so a name is resolved once, visibly, before anything is matched.

A name matches a term of an imported disease ontology (DOID, MONDO) by its label, case
aside, or on PostgreSQL by one of its exact synonyms too. No match, or more than one, is
refused with suggestions in words, never guessed.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from consent.matching import DISEASE_CURIE
from consent.models import OntologyTerm

DISEASE_ONTOLOGIES = ("DOID", "MONDO")
SPLIT = re.compile(r"\s*[,;\n]\s*")
SUGGESTIONS = 5
MAX_ITEMS = 50


def _terms() -> Q:
    return Q(ontology__in=DISEASE_ONTOLOGIES, obsolete=False)


def _matches(name: str) -> list[OntologyTerm]:
    found = list(OntologyTerm.objects.filter(_terms(), label__iexact=name)[:SUGGESTIONS])
    if not found and connection.vendor == "postgresql":
        found = list(OntologyTerm.objects.filter(_terms(), synonyms__contains=[name])[:SUGGESTIONS])
    return found


def _suggestions(name: str) -> str:
    near = OntologyTerm.objects.filter(_terms(), label__icontains=name).order_by("label")
    return "; ".join(f"{t.label} ({t.curie})" for t in near[:SUGGESTIONS])


def diseases_from_text(text: str) -> tuple[list[str], list[str]]:
    """(ids, problems) for a comma-separated list of disease names or ids. Ids are kept as
    typed (the purpose parser checks them against the ontology); names become ids."""
    ids: list[str] = []
    problems: list[str] = []
    items = [item for item in SPLIT.split(text.strip()) if item][: MAX_ITEMS + 1]
    if len(items) > MAX_ITEMS:
        return [], [_("At most %(n)d diseases.") % {"n": MAX_ITEMS}]
    for item in items:
        if DISEASE_CURIE.match(item.upper()):
            curie = item.upper()
        else:
            found = _matches(item)
            if len(found) != 1:
                problems.append(_unresolved(item, found))
                continue
            curie = found[0].curie
        if curie not in ids:
            ids.append(curie)
    return ids, problems


def _unresolved(name: str, found: list[OntologyTerm]) -> str:
    if found:
        choices = "; ".join(f"{t.label} ({t.curie})" for t in found)
        return _("“%(name)s” names several diseases: %(choices)s. Give the id.") % {
            "name": name,
            "choices": choices,
        }
    near = _suggestions(name)
    if near:
        return _("No disease is called “%(name)s”. Did you mean: %(near)s?") % {
            "name": name,
            "near": near,
        }
    return _("No disease is called “%(name)s”: check the spelling, or give its id.") % {
        "name": name
    }


def disease_labels(curies: list[str]) -> list[str]:
    """How a stored list of ids is shown back in a form: each disease by its name when the
    name leads back to that id alone, by its id otherwise."""
    terms = {
        t.curie: t.label
        for t in OntologyTerm.objects.filter(curie__in=curies).only("curie", "label")
    }
    shown = []
    for curie in curies:
        label = terms.get(curie)
        unique = label and [t.curie for t in _matches(label)] == [curie]
        shown.append(label if label and unique else curie)
    return shown


PAGE_SIZE = 20


@dataclass(frozen=True)
class SearchPage:
    terms: Sequence[OntologyTerm]
    next_cursor: str


def _cursor(term: OntologyTerm) -> str:
    raw = json.dumps([term.label.lower(), term.curie]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str) -> tuple[str, str] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        label, curie = json.loads(raw)
    except (ValueError, TypeError, binascii.Error):
        return None
    if not isinstance(label, str) or not isinstance(curie, str):
        return None
    return label, curie


def disease_search(query: str, *, after: str = "", limit: int = PAGE_SIZE) -> SearchPage:
    """Disease terms whose name (or id) contains `query`, by name, read by keyset
    (lowercased name, id) so that a deep page costs what the first does. An unreadable
    cursor starts from the beginning."""
    text = " ".join(str(query or "").split())[:200]
    if len(text) < 2:
        return SearchPage([], "")
    terms = (
        OntologyTerm.objects.filter(_terms())
        .filter(Q(label__icontains=text) | Q(curie__iexact=text))
        .annotate(sort_label=Lower("label"))
        .order_by("sort_label", "curie")
    )
    position = _after(after) if after else None
    if position is not None:
        label, curie = position
        terms = terms.filter(Q(sort_label__gt=label) | Q(sort_label=label, curie__gt=curie))
    rows = list(terms.only("curie", "label", "synonyms")[: limit + 1])
    more = len(rows) > limit
    return SearchPage(rows[:limit], _cursor(rows[limit - 1]) if more else "")


def clean_disease_field(form: Any, field: str) -> str:
    """A form's `clean_<field>` for a list of disease names: the ids go to
    `cleaned_data["disease_ids"]`, each unresolved name becomes an error at the field."""
    text = str(form.cleaned_data.get(field) or "")
    ids, problems = diseases_from_text(text)
    for problem in problems:
        form.add_error(field, problem)
    form.cleaned_data["disease_ids"] = ids
    return text
