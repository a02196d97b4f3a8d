"""The chair's decision form on the review page, kept apart from the views because it is
where a slip would cost the most (issue 14, "safe decisions"):

- no outcome is preselected: each dataset's choice starts empty and is required;
- whatever the service refuses, the page comes back with every choice, reason and
  condition as the chair left them, and the error beside the dataset it concerns;
- nothing is recorded before a confirmation page has restated, in words, what will be
  ("Approve DACD000002; reject DACD000007 because …").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from access_requests import voting
from access_requests.models import AccessRequest, RequestedDataset
from dac_portal.errors import ApplicationError

# The field the form carries per dataset it decides, so that a dataset left without a
# choice (no radio ticked sends nothing) is still named, and refused as undecided.
DATASET_FIELD = "decide_dataset"
CONFIRM_FIELD = "confirm"
CHANGE_FIELD = "change"


@dataclass
class Entry:
    """One dataset's part of the form as the chair left it."""

    decision: str = ""
    reason: str = ""
    conditions: str = ""
    errors: list[str] = field(default_factory=list)


def _rows(access_request: AccessRequest) -> list[RequestedDataset]:
    return list(
        access_request.requested_datasets.select_related("dataset").order_by("position", "id")
    )


def _accessions_posted(post: QueryDict, access_request: AccessRequest) -> list[str]:
    rows = [row.dataset.accession for row in _rows(access_request)]
    named = set(post.getlist(DATASET_FIELD))
    if named:
        return [a for a in rows if a in named]
    # A form without the dataset list (an older page, a script): the datasets it decides.
    return [a for a in rows if f"decision_{a}" in post]


def _conditions_text(post: QueryDict, accession: str) -> str:
    """One condition per line; the confirmation page sends each as its own field."""
    return "\n".join(post.getlist(f"conditions_{accession}"))


def decisions_from(post: QueryDict, access_request: AccessRequest) -> list[dict[str, Any]]:
    """The decisions the form holds, in the service's shape (on a request spanning
    committees, the chair's form holds only their committee's datasets)."""
    return [
        {
            "dataset": accession,
            "decision": post.get(f"decision_{accession}", ""),
            "reason": post.get(f"reason_{accession}", ""),
            "conditions": [
                line.strip()
                for line in _conditions_text(post, accession).splitlines()
                if line.strip()
            ],
        }
        for accession in _accessions_posted(post, access_request)
    ]


def entries_from(
    post: QueryDict | None, access_request: AccessRequest, error: ApplicationError | None
) -> dict[str, Entry]:
    """accession -> what the chair entered and the errors that concern it."""
    entries: dict[str, Entry] = {}
    if post is not None:
        for accession in _accessions_posted(post, access_request):
            entries[accession] = Entry(
                decision=post.get(f"decision_{accession}", ""),
                reason=post.get(f"reason_{accession}", ""),
                conditions=_conditions_text(post, accession),
            )
    if error is None:  # a plain view of the review page reads nothing more
        return entries
    accessions = {row.dataset.accession for row in _rows(access_request)}
    for accession, messages in _errors_by_dataset(error, accessions).items():
        entries.setdefault(accession, Entry()).errors.extend(messages)
    return entries


def _errors_by_dataset(
    error: ApplicationError | None, accessions: set[str]
) -> dict[str, list[str]]:
    """400s name each dataset's problems; 409s (quorum, consent, the voting rule) name
    the datasets they concern, which get the refusal's message."""
    details = getattr(error, "details", None) or {}
    found: dict[str, list[str]] = {}
    for key, value in details.items():
        if isinstance(value, list) and key in accessions:
            found[key] = [str(v) for v in value]
    datasets = details.get("datasets")
    if isinstance(datasets, dict | list) and error is not None:
        for accession in datasets:
            if accession in accessions:
                found.setdefault(str(accession), []).append(error.message)
    return found


def sentences(
    cleaned: dict[str, dict[str, Any]], access_request: AccessRequest
) -> list[dict[str, Any]]:
    """What will be recorded, one sentence per dataset, for the confirmation page."""
    titles = {row.dataset.accession: row.dataset.title for row in _rows(access_request)}
    result = []
    for accession, chosen in cleaned.items():
        approve = chosen["decision"] == voting.APPROVED
        if approve:
            text = _("Approve %(accession)s (%(title)s).")
        else:
            text = _("Reject %(accession)s (%(title)s) because: %(reason)s")
        result.append(
            {
                "accession": accession,
                "approve": approve,
                "text": text
                % {
                    "accession": accession,
                    "title": titles.get(accession, ""),
                    "reason": chosen["reason"],
                },
                "reason": chosen["reason"] if approve else "",
                "conditions": chosen["conditions"],
            }
        )
    return result


def outcome_after(cleaned: dict[str, dict[str, Any]], access_request: AccessRequest) -> str:
    """In words, where the request will stand once this decision is recorded."""
    rows = _rows(access_request)
    decided = {row.dataset.accession: row.decision for row in rows if row.decision}
    decided.update({a: c["decision"] for a, c in cleaned.items()})
    if len(decided) < len(rows):
        return _("The request stays under review until the other committee decides its datasets.")
    outcomes = set(decided.values())
    if outcomes == {voting.APPROVED}:
        return _("The request will be approved.")
    if outcomes == {voting.REJECTED}:
        return _("The request will be rejected.")
    return _("The request will be partly approved: only the approved datasets are granted.")
