"""Publications as DOIs (issue 21, WHO 3.3 and 3.7): the form check and the one spelling
the portal stores. Pure Python, no Django, so the rule is tested without a database.

A DOI is `10.<registrant>/<suffix>`: the registrant code is 4 to 9 digits (Crossref and
DataCite hand out no others), the suffix anything without spaces. DOIs are
case-insensitive, so the stored form is the bare DOI in lower case: people paste them as
links (`https://doi.org/…`, `http://dx.doi.org/…`) or with a `doi:` prefix, and two
spellings of one paper must compare equal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

DOI_PATTERN = re.compile(r"^10\.[0-9]{4,9}/\S+$")
MAX_DOI_LENGTH = 300
MAX_DOIS = 50
# Longest first: "https://dx.doi.org/" must win over "doi:"-less shorter ones.
_PREFIXES = (
    "https://dx.doi.org/",
    "http://dx.doi.org/",
    "https://doi.org/",
    "http://doi.org/",
    "doi:",
)


def normalise_doi(text: str) -> str | None:
    """The bare lower-case DOI `text` spells, or None when it is not a DOI."""
    doi = text.strip().lower()
    for prefix in _PREFIXES:
        if doi.startswith(prefix):
            doi = doi[len(prefix) :].strip()
            break
    if len(doi) > MAX_DOI_LENGTH or not DOI_PATTERN.match(doi):
        return None
    return doi


def parse_dois(values: Iterable[str]) -> tuple[list[str], list[str]]:
    """(the DOIs in order without repeats, the entries that are not DOIs as typed). Blank
    entries are skipped: a trailing empty line of a text area is not an error."""
    good: list[str] = []
    bad: list[str] = []
    for value in values:
        if not value.strip():
            continue
        doi = normalise_doi(value)
        if doi is None:
            bad.append(value.strip())
        elif doi not in good:
            good.append(doi)
    return good, bad


def doi_url(doi: str) -> str:
    """The resolver link of a stored DOI."""
    return f"https://doi.org/{doi}"
