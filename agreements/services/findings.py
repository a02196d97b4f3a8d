"""Findings (issue 21; WHO 3.3 and 3.7): what the holder reports of the research's results,
and the committee's publishing of it on the public register.

The holder gives findings with a progress report (optional there) or with their close-out
attestation (required there, unless they say there are no findings yet: an ended use
should leave the register something to read, or say why not). The input is checked in
full before anything is written, so a bad DOI refuses the whole report with a 400 that
names it. Publishing and withdrawing are fired through agreements.findings_workflow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from accounts.models import User
from agreements import doi
from agreements import findings_workflow as FW
from agreements.audit_actions import AgreementAudit
from agreements.models import CloseOut, Findings, Grant, ProgressReport
from agreements.rules import grant_roles
from agreements.services._common import _text
from audit.services import audit_record
from dac_portal.actions import Aggregate
from dac_portal.errors import ValidationError

SUMMARY_LIMIT = 4000
RETURN_LIMIT = 4000
NO_FINDINGS_YET = "no_findings_yet"


@dataclass(frozen=True)
class FindingsInput:
    """Checked findings, ready to store. `no_findings_yet` is the holder's explicit word
    at close-out that there is nothing to tell yet."""

    summary: str = ""
    dois: list[str] = field(default_factory=list)
    return_of_results: str = ""
    no_findings_yet: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.summary or self.dois or self.return_of_results)

    def audit_data(self) -> dict[str, Any]:
        return {
            "findings": {
                "summary": bool(self.summary),
                "dois": list(self.dois),
                "return_of_results": bool(self.return_of_results),
                NO_FINDINGS_YET: self.no_findings_yet,
            }
        }


def _publications(value: Any) -> list[str]:
    """A list of DOIs (the API) or text with one per line (a page's text area)."""
    if value is None or value == "":
        return []
    entries = value.splitlines() if isinstance(value, str) else value
    if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
        raise ValidationError(
            "Invalid input.", details={"findings.publications": ["Must be a list of DOIs."]}
        )
    if len(entries) > doi.MAX_DOIS:
        raise ValidationError(
            "Invalid input.",
            details={"findings.publications": [f"At most {doi.MAX_DOIS} DOIs."]},
        )
    good, bad = doi.parse_dois(entries)
    if bad:
        named = ", ".join(bad)
        raise ValidationError(
            f"Not a DOI: {named}. A DOI looks like 10.1234/abc.5678.",
            details={"findings.publications": [f"Not a DOI: {b}" for b in bad]},
        )
    return good


def findings_input(raw: Any, *, at_close_out: bool = False) -> FindingsInput | None:
    """Check the findings a report or an attestation carries (`raw`: summary, publications,
    return_of_results, no_findings_yet). None when none were given. At close-out a summary
    is required unless `no_findings_yet`."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ValidationError("Invalid input.", details={"findings": ["Must be an object."]})
    checked = FindingsInput(
        summary=_text(raw.get("summary"), "findings.summary", required=False, limit=SUMMARY_LIMIT),
        dois=_publications(raw.get("publications")),
        return_of_results=_text(
            raw.get("return_of_results"),
            "findings.return_of_results",
            required=False,
            limit=RETURN_LIMIT,
        ),
        no_findings_yet=raw.get(NO_FINDINGS_YET) is True,
    )
    if at_close_out and not checked.summary and not checked.no_findings_yet:
        raise ValidationError(
            "Summarise the findings in plain language, or say that there are none yet.",
            details={"findings.summary": ["Required at close-out, unless no findings yet."]},
        )
    return checked


def findings_record(
    *,
    grant: Grant,
    actor: User,
    checked: FindingsInput | None,
    now: datetime,
    progress_report: ProgressReport | None = None,
    close_out: CloseOut | None = None,
) -> Findings | None:
    """Inside the report's or the attestation's transaction (whose audit event records the
    findings): store them, unless there is nothing to store."""
    if checked is None or checked.is_empty:
        return None
    return Findings.objects.create(
        grant=grant,
        progress_report=progress_report,
        close_out=close_out,
        summary=checked.summary,
        dois=checked.dois,
        return_of_results=checked.return_of_results,
        submitted_by=actor,
        submitted_at=now,
    )


def _lock_findings(findings: Findings) -> Findings:
    return (
        Findings.objects.select_for_update(of=("self",))
        .select_related("grant", "grant__access_request", "grant__committee")
        .get(pk=findings.pk)
    )


def _findings_roles(user: Any, findings: Findings) -> frozenset[str]:
    return grant_roles(user, findings.grant)


def _advance(findings: Findings, action: str, now: datetime, outcome: str | None) -> str:
    old = findings.status
    findings.status = FW.next_status(old, action)
    return old


# How an action is fired on findings (dac_portal/actions.py): lock, check the findings
# table for the actor's roles towards the grant, let the handler work, move, save, audit.
FINDINGS: Aggregate[Findings] = Aggregate(
    machine=FW.MACHINE,
    lock=_lock_findings,
    roles=_findings_roles,
    advance=_advance,
    record=audit_record,
)


def _audit_data(findings: Findings) -> dict[str, Any]:
    return {
        "grant": findings.grant.reference,
        "reference": findings.grant.access_request.reference,
        "dois": list(findings.dois),
    }


@FW.MACHINE.handles(FW.Action.PUBLISH)
def findings_publish(*, findings: Findings, actor: User) -> Findings:
    """The committee puts the findings on the public register (403 for anyone but the
    grant's chair or steward, 409 when they are published already)."""
    with FINDINGS.fire(
        findings, FW.Action.PUBLISH, actor, AgreementAudit.FINDINGS_PUBLISHED
    ) as firing:
        firing.obj.published_at = firing.now
        firing.obj.published_by = actor
        firing.data.update(_audit_data(firing.obj))
    return firing.obj


@FW.MACHINE.handles(FW.Action.UNPUBLISH)
def findings_unpublish(*, findings: Findings, actor: User) -> Findings:
    """The committee takes the findings off the public register; the holder's text stays,
    and may be published again."""
    with FINDINGS.fire(
        findings, FW.Action.UNPUBLISH, actor, AgreementAudit.FINDINGS_UNPUBLISHED
    ) as firing:
        firing.obj.published_at = None
        firing.obj.published_by = None
        firing.data.update(_audit_data(firing.obj))
    return firing.obj
