"""Consent and ontology terms by name on pages: a DUO condition code in words with the
code as secondary text, a disease id with its label (issue 14, "names everywhere").

    {% load consent_terms %}
    {% duo_condition "PUB" %}            → results must be published <span>PUB</span>
    {% disease_names request.purpose.diseases as diseases %}
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import format_html

from consent import matching
from consent.ontology import term_labels
from consent.rendering import condition_text, permission_text

register = template.Library()


def _words_and_code(words: str, code: Any) -> str:
    """The words first, the code after as secondary text; the code alone when it has no
    words here."""
    if words == str(code):
        return format_html('<span class="duo-code">{}</span>', code)
    return format_html('{} <span class="duo-code">{}</span>', words, code)


@register.simple_tag
def duo_condition(code: Any) -> str:
    """A consent condition (PUB, IRB…) in words."""
    return _words_and_code(condition_text(str(code)), code)


@register.simple_tag
def duo_permission(code: Any) -> str:
    """A consent's permission (GRU, HMB…) in words."""
    return _words_and_code(permission_text(str(code)), code)


@register.simple_tag
def disease_names(curies: Iterable[str] | None) -> list[dict[str, str]]:
    """[{curie, label}] in one query; a term the ontology does not know keeps its id."""
    ids = [str(c) for c in curies or []]
    labels = term_labels(ids) if ids else {}
    return [{"curie": c, "label": labels.get(c, "")} for c in ids]


@register.filter
def reason_text(item: Any) -> str:
    """A stored consent-evaluation reason in the reader's language (issue 22):
    {{ reason|reason_text }}."""
    return matching.reason_text(item) if isinstance(item, dict) else str(item)
