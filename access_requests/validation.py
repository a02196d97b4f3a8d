"""Strict checks of the fields an applicant writes, shared by the API and the pages.

Every value must already have the right JSON type: a number where text is expected, a
string where a list is expected, or "yes" where a boolean is expected is refused with a
message on that field, never coerced and never a 500. The errors come back together, keyed
by field name, in a ValidationError (400).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

from access_requests.models import ATTESTATIONS
from consent.services import purpose_parse
from dac_portal.errors import ValidationError
from dac_portal.text import clean_text

TEXT_LIMITS = {"title": 300, "lay_summary": 5000, "research_use_statement": 20000}
CONTENT_FIELDS = (
    "title",
    "lay_summary",
    "research_use_statement",
    "purpose",
    "datasets",
    "collaborators",
    "attestations",
)
MAX_DATASETS = 50
MAX_COLLABORATORS = 50


class FieldErrors:
    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_if_any(self, message: str = "Invalid input.") -> None:
        if self.errors:
            raise ValidationError(message, details=self.errors)


def _text(value: Any, field: str, errors: FieldErrors) -> str | None:
    """The request's optional text fields: clean_text's rules, collected with the others.
    A field that is sent must be text (null is refused, as in the API's schema)."""
    if not isinstance(value, str):
        errors.add(field, "Must be text.")
        return None
    try:
        return clean_text(value, field=field, limit=TEXT_LIMITS[field], required=False)
    except ValidationError as refused:
        errors.add(field, refused.details[field][0])
        return None


def _accessions(value: Any, errors: FieldErrors) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.add("datasets", "Must be a list of dataset accessions (strings).")
        return None
    cleaned: list[str] = []
    for accession in value:
        accession = accession.strip().upper()
        if not accession or len(accession) > 24:
            errors.add("datasets", "Each accession must be 1 to 24 characters.")
            return None
        if accession not in cleaned:
            cleaned.append(accession)
    if len(cleaned) > MAX_DATASETS:
        errors.add("datasets", f"At most {MAX_DATASETS} datasets per request.")
        return None
    return cleaned


def _collaborators(value: Any, errors: FieldErrors) -> list[dict[str, str]] | None:  # noqa: C901 - one branch per refusal of a collaborator entry, each with its own message
    """Each collaborator is {"username": …} (a portal user) or {"name": …, "institution":
    …, "email"?: …} (someone without an account)."""
    if not isinstance(value, list):
        errors.add("collaborators", "Must be a list of objects.")
        return None
    if len(value) > MAX_COLLABORATORS:
        errors.add("collaborators", f"At most {MAX_COLLABORATORS} collaborators.")
        return None
    cleaned: list[dict[str, str]] = []
    for index, item in enumerate(value):
        where = f"collaborators[{index}]"
        if not isinstance(item, dict) or not all(isinstance(v, str) for v in item.values()):
            errors.add("collaborators", f"{where}: must be an object of strings.")
            return None
        unknown = set(item) - {"username", "name", "institution", "email"}
        if unknown:
            errors.add("collaborators", f"{where}: unknown fields {sorted(unknown)}.")
            return None
        entry = {k: v.strip() for k, v in item.items()}
        if entry.get("username"):
            if set(entry) - {"username"}:
                errors.add("collaborators", f"{where}: give a username alone, or a name.")
                return None
            if len(entry["username"]) > 150:
                errors.add("collaborators", f"{where}: username too long.")
                return None
        else:
            if not entry.get("name") or not entry.get("institution"):
                errors.add("collaborators", f"{where}: a username, or a name and an institution.")
                return None
            if len(entry["name"]) > 200 or len(entry["institution"]) > 255:
                errors.add("collaborators", f"{where}: name or institution too long.")
                return None
            if entry.get("email"):
                try:
                    validate_email(entry["email"])
                except DjangoValidationError:
                    errors.add("collaborators", f"{where}: not an e-mail address.")
                    return None
        cleaned.append(entry)
    return cleaned


def _attestations(value: Any, errors: FieldErrors) -> dict[str, bool] | None:
    if not isinstance(value, dict):
        errors.add("attestations", f"Must be an object with the keys {sorted(ATTESTATIONS)}.")
        return None
    unknown = set(value) - set(ATTESTATIONS)
    if unknown:
        errors.add("attestations", f"Unknown attestations {sorted(unknown)}.")
        return None
    if not all(isinstance(v, bool) for v in value.values()):
        errors.add("attestations", "Each attestation must be true or false.")
        return None
    return dict(value)


def _purpose(value: Any, errors: FieldErrors) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        errors.add("purpose", "Must be an object (see the research purpose in the API guide).")
        return None
    try:
        purpose = purpose_parse(value)
    except ValidationError as exc:
        # The message names every unknown disease id and bad field.
        errors.add("purpose", exc.message)
        return None
    return purpose.as_dict()


def _has_nul(value: Any) -> bool:
    """A NUL character anywhere inside (PostgreSQL refuses them in text, with an error)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def clean_content(raw: Any, *, partial: bool) -> dict[str, Any]:
    """The applicant-written fields of `raw`, checked. Unknown fields are refused, so a
    typo is not silently ignored."""
    if not isinstance(raw, Mapping):
        raise ValidationError(
            "The body must be a JSON object.", details={"non_field_errors": ["Not an object."]}
        )
    errors = FieldErrors()
    poisoned = sorted(str(key) for key, value in raw.items() if _has_nul(key) or _has_nul(value))
    if poisoned:
        raise ValidationError(
            "Text must not contain NUL characters.",
            details={key: ["Must not contain NUL characters."] for key in poisoned},
        )
    unknown = sorted(set(raw) - set(CONTENT_FIELDS))
    for field in unknown:
        errors.add(str(field), "Unknown field.")
    cleaned: dict[str, Any] = {}
    for field in ("title", "lay_summary", "research_use_statement"):
        if field in raw:
            cleaned[field] = _text(raw[field], field, errors)
    if "purpose" in raw:
        cleaned["purpose"] = _purpose(raw["purpose"], errors)
    if "datasets" in raw:
        cleaned["datasets"] = _accessions(raw["datasets"], errors)
    elif not partial:
        errors.add("datasets", "Required: a list of dataset accessions.")
    if "collaborators" in raw:
        cleaned["collaborators"] = _collaborators(raw["collaborators"], errors)
    if "attestations" in raw:
        cleaned["attestations"] = _attestations(raw["attestations"], errors)
    errors.raise_if_any()
    return cleaned
