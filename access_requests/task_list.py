"""The request form as a task list (GOV.UK "complete multiple tasks" and "check answers"
patterns, issue 14): the application in sections, each with its state and saved on its
own, then a page that shows every answer before *Submit*.

Pure reading of the draft: which sections there are, which request fields each one holds,
and how far each is done. The pages are in access_requests/task_views.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from access_requests.models import AccessRequest

NOT_STARTED, IN_PROGRESS, COMPLETED, OPTIONAL = (
    "not_started",
    "in_progress",
    "completed",
    "optional",
)
STATE_LABELS: dict[str, str | Promise] = {
    NOT_STARTED: _("Not started"),
    IN_PROGRESS: _("In progress"),
    COMPLETED: _("Completed"),
    OPTIONAL: _("Optional"),
}


@dataclass(frozen=True)
class Section:
    key: str
    title: str | Promise
    # The keys of the request's data (the service's and the API's) this section writes.
    data_keys: tuple[str, ...]


SECTIONS = (
    Section("project", _("Your project"), ("title", "lay_summary", "research_use_statement")),
    Section("datasets", _("The datasets you need"), ("datasets",)),
    Section("purpose", _("What the research is about"), ("purpose",)),
    Section("collaborators", _("Collaborators"), ("collaborators",)),
    Section("commitments", _("Your commitments"), ("attestations",)),
)
BY_KEY = {section.key: section for section in SECTIONS}


def _project(r: AccessRequest) -> str:
    filled = [bool(str(getattr(r, f)).strip()) for f in BY_KEY["project"].data_keys]
    return COMPLETED if all(filled) else IN_PROGRESS if any(filled) else NOT_STARTED


def _commitments(r: AccessRequest) -> str:
    given = list(r.attestations().values())
    return COMPLETED if all(given) else IN_PROGRESS if any(given) else NOT_STARTED


def state_of(section: str, r: AccessRequest) -> str:
    if section == "project":
        return _project(r)
    if section == "datasets":
        return COMPLETED if r.requested_datasets.exists() else NOT_STARTED
    if section == "purpose":
        return COMPLETED if r.purpose is not None else NOT_STARTED
    if section == "collaborators":
        return COMPLETED if r.collaborators.exists() else OPTIONAL
    return _commitments(r)


def task_list(r: AccessRequest) -> list[dict[str, Any]]:
    return [
        {"section": s, "state": (state := state_of(s.key, r)), "label": STATE_LABELS[state]}
        for s in SECTIONS
    ]


def ready_to_check(r: AccessRequest) -> bool:
    """Every required section completed (the service checks again at submission)."""
    return all(item["state"] in (COMPLETED, OPTIONAL) for item in task_list(r))
