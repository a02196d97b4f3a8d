"""Consent: parsing research purposes and data use, evaluating them, and the audited
changes to studies, datasets, consent scopes and withdrawals.

The interface other apps use (access requests call it on create/submit):

    purpose = purpose_parse(raw)                       # 400 on bad input
    evaluation = consent_evaluate_dataset(dataset=ds, purpose=purpose)
    evaluation.result, evaluation.reasons, evaluation.conditions, evaluation.scope_version
    evaluation.as_dict()                               # JSON for storage and the API
    scope = dataset_current_scope(ds)                  # ConsentScope | None
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Committee, User
from accounts.permissions import require
from audit.services import audit_record
from consent.audit_actions import ConsentAudit
from consent.events import ConsentWithdrawn
from consent.matching import (
    DENY_CODES,
    DISEASE_CURIE,
    INCOMPATIBLE,
    MAX_DISEASES,
    NEEDS_REVIEW,
    DataUse,
    Evaluation,
    Modifier,
    ParseError,
    Purpose,
    evaluate,
    no_scope_evaluation,
    parse_data_use,
    parse_purpose,
)
from consent.models import ConsentScope, ConsentWithdrawal, Dataset, Study
from consent.ontology import ontology_for
from dac_portal import events
from dac_portal.errors import Conflict, ValidationError

__all__ = [
    "DataUse",
    "Evaluation",
    "Purpose",
    "consent_evaluate",
    "consent_evaluate_dataset",
    "data_use_parse",
    "dataset_current_scope",
    "purpose_parse",
    "scope_data_use",
]


def _raw_diseases(raw: Any) -> list[str]:
    if isinstance(raw, dict) and isinstance(raw.get("diseases"), list):
        # Only well-formed ids reach the database; the parser reports the others.
        return [
            d.strip()
            for d in raw["diseases"]
            if isinstance(d, str) and DISEASE_CURIE.match(d.strip())
        ][:MAX_DISEASES]
    return []


def _as_validation_error(exc: ParseError, field: str) -> ValidationError:
    messages = [m for msgs in exc.errors.values() for m in msgs]
    return ValidationError(f"Invalid {field}: " + " ".join(messages), details={field: exc.errors})


def purpose_parse(raw: Any) -> Purpose:
    """Validate docs/api.md's `purpose` JSON object and return a `Purpose`.

    Contract:
    - `raw` must be a dict with only the keys `diseases` (list of DOID:/MONDO: CURIEs) and
      the booleans `hmb`, `population_origins`, `methods_development`, `controls`,
      `commercial`, `for_profit`, `genetic_studies`. Omitted or null booleans are false,
      except `genetic_studies` (true).
    - Every disease id is looked up in the imported ontologies: a current id is kept; an
      alternative or obsolete id with a current replacement is replaced (recorded in
      `Purpose.replaced`, and the evaluation mentions it); an unknown id, a malformed id or
      an obsolete id without replacement is refused. Duplicates collapse.
    - Any problem raises `dac_portal.errors.ValidationError` (HTTP 400) whose message names
      every unknown/refused disease id and every bad field, and whose `details["purpose"]`
      maps each field to its messages. Nothing is ever matched silently.
    - `Purpose.as_dict()` gives the canonical JSON (resolved ids) to store.
    """
    try:
        return parse_purpose(raw, ontology_for(_raw_diseases(raw)))
    except ParseError as exc:
        raise _as_validation_error(exc, "purpose") from exc


def data_use_parse(raw: Any) -> DataUse:
    """Validate a `data_use` object ({permission, diseases, modifiers}); DUO shorthands
    and CURIEs are both accepted, the result holds shorthands. 400 naming each problem."""
    try:
        return parse_data_use(raw, ontology_for(_raw_diseases(raw)))
    except ParseError as exc:
        raise _as_validation_error(exc, "data_use") from exc


def dataset_current_scope(dataset: Dataset) -> ConsentScope | None:
    """The dataset's newest consent scope version, or None when none is recorded."""
    return ConsentScope.objects.filter(dataset=dataset).order_by("-version").first()


def scope_data_use(scope: ConsentScope) -> DataUse:
    """The stored scope as the matcher's value (stored codes are already shorthands)."""
    modifiers = []
    for item in scope.modifiers or []:
        if isinstance(item, dict):
            params = {k: v for k, v in item.items() if k != "code"}
            modifiers.append(Modifier(code=str(item.get("code")), params=params))
        else:
            modifiers.append(Modifier(code=str(item)))
    return DataUse(
        permission=scope.permission,
        diseases=tuple(scope.diseases or ()),
        modifiers=tuple(modifiers),
    )


def consent_evaluate(*, data_use: DataUse, purpose: Purpose) -> Evaluation:
    """Evaluate a purpose against a data use given directly (no dataset).

    A stored scope may name a disease id that a later ontology release made obsolete: it
    is evaluated as its replacement (and the reasons say so); one without replacement
    cannot be judged by the engine, so an answer denied only for the disease becomes
    needs_review."""
    ontology = ontology_for([*purpose.diseases, *data_use.diseases])
    resolved: list[str] = []
    notes: list[dict[str, str]] = []
    unusable = False
    for disease in data_use.diseases:
        current, message = ontology.resolve(disease)
        if current is None:
            unusable = True
            resolved.append(disease)
            notes.append({"code": "SCOPE_DISEASE_UNUSABLE", "message": message})
        elif current != disease:
            resolved.append(current)
            notes.append(
                {
                    "code": "SCOPE_DISEASE_REPLACED",
                    "message": _("The consent names %(given)s, now %(current)s.")
                    % {"given": disease, "current": current},
                }
            )
        else:
            resolved.append(disease)
    if notes:
        data_use = replace(data_use, diseases=tuple(dict.fromkeys(resolved)))
    evaluation = evaluate(data_use, purpose, ontology)
    if unusable and evaluation.result == INCOMPATIBLE:
        denials = {r["code"] for r in evaluation.reasons if r["code"] in DENY_CODES}
        if denials == {"DS_DISEASE"}:
            # Only the unusable disease could have covered the purpose: a person judges.
            evaluation.result = NEEDS_REVIEW
    evaluation.reasons.extend(notes)
    return evaluation


def consent_evaluate_dataset(*, dataset: Dataset, purpose: Purpose) -> Evaluation:
    """Evaluate a parsed purpose against the dataset's CURRENT consent scope.

    Contract:
    - `result` is "compatible", "incompatible" or "needs_review": a rule that denies
      anywhere makes it incompatible; otherwise a rule only a person can judge (GS, US,
      PS, IS, RS modifiers, controls on DS data …) makes it needs_review.
    - `reasons` is a list of {"code", "message"} — one per rule that fired, denials
      first, then reviews, then what matched and the conditions; messages are in the
      active language.
    - `conditions` lists the codes of obligations the applicant must meet whatever the
      result (IRB, PUB, COL, MOR, RTN, TS).
    - `scope_version` is the version of the scope evaluated against; a dataset without a
      scope gives needs_review with reason code "NO_SCOPE" and scope_version None.
    - Reads only; no audit event, no side effect.
    """
    scope = dataset_current_scope(dataset)
    if scope is None:
        return no_scope_evaluation()
    evaluation = consent_evaluate(data_use=scope_data_use(scope), purpose=purpose)
    evaluation.scope_version = scope.version
    return evaluation


# ----------------------------------------------------------------- audited changes

STUDY_FIELDS = ("title", "description")
DATASET_FIELDS = ("title", "description", "participant_count", "data_types", "is_public")


def _full_clean(obj: Any, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except DjangoValidationError as exc:
        raise ValidationError("Invalid input.", details=exc.message_dict) from exc


def _clean_data_types(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",")]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(
            "Data types must be a list of names.", details={"data_types": ["Not a list."]}
        )
    cleaned = [v.strip()[:60] for v in value if v.strip()]
    if len(cleaned) > 30:
        raise ValidationError("At most 30 data types.", details={"data_types": ["Too many."]})
    return cleaned


def study_create(
    *, accession: str, title: str, committee: Committee, description: str = "", actor: User
) -> Study:
    require(actor, "dataset.manage", committee)
    with transaction.atomic():
        if Study.objects.filter(accession=accession).exists():
            raise Conflict(f"A study {accession} already exists.", details={"accession": accession})
        study = Study(
            accession=accession, title=title, description=description, committee=committee
        )
        _full_clean(study)
        study.save()
        audit_record(
            actor=actor,
            action=ConsentAudit.STUDY_CREATED,
            target=("study", study.accession),
            data={"title": title, "committee": committee.slug},
        )
    return study


def study_update(*, study: Study, actor: User, **changes: Any) -> Study:
    require(actor, "dataset.manage", study)
    unknown = set(changes) - set(STUDY_FIELDS)
    if unknown:
        raise ValidationError("Unknown fields.", details={k: ["Not editable."] for k in unknown})
    with transaction.atomic():
        study = Study.objects.select_for_update().get(pk=study.pk)
        old = {k: getattr(study, k) for k in changes}
        for key, value in changes.items():
            setattr(study, key, value)
        _full_clean(study)
        study.save()
        audit_record(
            actor=actor,
            action=ConsentAudit.STUDY_UPDATED,
            target=("study", study.accession),
            data={"old": old, "new": changes},
        )
    return study


def dataset_create(
    *,
    accession: str,
    study: Study,
    title: str,
    description: str = "",
    participant_count: int = 0,
    data_types: Any = None,
    is_public: bool = True,
    actor: User,
) -> Dataset:
    require(actor, "dataset.manage", study)
    with transaction.atomic():
        if Dataset.objects.filter(accession=accession).exists():
            raise Conflict(
                f"A dataset {accession} already exists.", details={"accession": accession}
            )
        dataset = Dataset(
            accession=accession,
            study=study,
            committee=study.committee,
            title=title,
            description=description,
            participant_count=participant_count,
            data_types=_clean_data_types(data_types),
            is_public=is_public,
        )
        _full_clean(dataset)
        dataset.save()
        audit_record(
            actor=actor,
            action=ConsentAudit.DATASET_CREATED,
            target=dataset,
            data={
                "study": study.accession,
                "title": title,
                "committee": study.committee.slug,
                "participant_count": participant_count,
                "data_types": dataset.data_types,
                "is_public": is_public,
            },
        )
    return dataset


def dataset_update(*, dataset: Dataset, actor: User, **changes: Any) -> Dataset:
    require(actor, "dataset.manage", dataset)
    unknown = set(changes) - set(DATASET_FIELDS)
    if unknown:
        raise ValidationError("Unknown fields.", details={k: ["Not editable."] for k in unknown})
    if "data_types" in changes:
        changes["data_types"] = _clean_data_types(changes["data_types"])
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
        old = {k: getattr(dataset, k) for k in changes}
        for key, value in changes.items():
            setattr(dataset, key, value)
        _full_clean(dataset)
        dataset.save()
        audit_record(
            actor=actor,
            action=ConsentAudit.DATASET_UPDATED,
            target=dataset,
            data={"old": old, "new": changes},
        )
    return dataset


def consent_scope_create(
    *, dataset: Dataset, data_use: Any, note: str = "", actor: User
) -> ConsentScope:
    """Record a new consent scope version (the previous ones stay, unchanged).

    `data_use` is a raw {permission, diseases, modifiers} object (codes or CURIEs) or a
    parsed DataUse; it is stored normalised to shorthands and current disease ids."""
    require(actor, "dataset.manage", dataset)
    parsed = data_use if isinstance(data_use, DataUse) else data_use_parse(data_use)
    if len(note) > 2000:
        raise ValidationError(
            "The note is too long.", details={"note": ["At most 2000 characters."]}
        )
    with transaction.atomic():
        # Lock the dataset row: two stewards saving at once get consecutive versions.
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        latest = ConsentScope.objects.filter(dataset=locked).order_by("-version").first()
        stored = parsed.as_dict()
        scope = ConsentScope.objects.create(
            dataset=locked,
            version=(latest.version + 1) if latest else 1,
            permission=stored["permission"],
            diseases=stored["diseases"],
            modifiers=stored["modifiers"],
            note=note,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action=ConsentAudit.CONSENT_SCOPE_CREATED,
            target=scope,
            data={
                "dataset": locked.accession,
                "version": scope.version,
                "supersedes": latest.version if latest else None,
                **stored,
            },
        )
    return scope


PSEUDONYM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{2,63}$")


def consent_withdrawal_record(
    *,
    dataset: Dataset,
    participant_count: int,
    pseudonymous_ids: Any = None,
    note: str = "",
    effective_on: dt.date | None = None,
    actor: User,
) -> ConsentWithdrawal:
    """Record that participants withdrew consent: a count and pseudonymous ids only.
    Ids must look like codes (letters, digits, . _ : -; no spaces), so names are refused."""
    require(actor, "dataset.manage", dataset)
    ids = pseudonymous_ids or []
    if isinstance(ids, str):
        ids = [p for p in re.split(r"[\s,;]+", ids) if p]
    errors: dict[str, list[str]] = {}
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        errors["pseudonymous_ids"] = ["A list of pseudonymous ids."]
        ids = []
    bad = [i for i in ids if not PSEUDONYM.match(i)]
    if bad:
        errors["pseudonymous_ids"] = [
            "Not pseudonymous ids (letters, digits, . _ : - only, 3-64 characters): "
            + ", ".join(bad[:10])
        ]
    ids = list(dict.fromkeys(ids))
    if isinstance(participant_count, bool) or not isinstance(participant_count, int):
        errors["participant_count"] = ["A whole number."]
    elif participant_count < 1 or participant_count > 10_000_000:
        errors["participant_count"] = ["At least 1."]
    elif len(ids) > participant_count:
        errors["pseudonymous_ids"] = [
            f"{len(ids)} pseudonymous ids are listed for {participant_count} participants: "
            "list one id per participant who withdrew, or raise the number of participants."
        ]
    if len(note) > 2000:
        errors["note"] = ["At most 2000 characters."]
    if errors:
        raise ValidationError(
            "Invalid withdrawal: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()),
            details=errors,
        )
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        withdrawal = ConsentWithdrawal.objects.create(
            dataset=locked,
            participant_count=participant_count,
            pseudonymous_ids=ids,
            note=note,
            effective_on=effective_on or timezone.localdate(),
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action=ConsentAudit.CONSENT_WITHDRAWAL_RECORDED,
            target=withdrawal,
            data={
                "dataset": locked.accession,
                "participant_count": participant_count,
                "pseudonymous_id_count": len(ids),
                "effective_on": withdrawal.effective_on.isoformat(),
            },
        )
        events.publish(ConsentWithdrawn(withdrawal_id=withdrawal.pk, dataset_id=locked.pk))
    return withdrawal


def consent_withdrawal_mark_propagated(*, withdrawal: ConsentWithdrawal, at: dt.datetime) -> bool:
    """Record that the holders of the dataset's grants were told of `withdrawal` (the app
    that keeps grants calls this inside its propagation, which writes the audit event).
    The first time only; returns whether this call set it."""
    if withdrawal.propagated_at is not None:
        return False
    withdrawal.propagated_at = at
    withdrawal.save(update_fields=["propagated_at"])
    return True
