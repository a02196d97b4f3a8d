"""Close-out: destruction attested, grants closed, and the request closed when every grant has
ended."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from access_requests import workflow as request_workflow
from access_requests.events import AllGrantsEnded
from access_requests.models import AccessRequest
from access_requests.services import access_request_lock
from accounts.models import User
from agreements import workflow
from agreements.audit_actions import AgreementAudit
from agreements.models import (
    CloseOut,
    Grant,
)
from agreements.services._common import (
    GRANTS,
    SYSTEM,
    A,
    _officials,
    _text,
    grant_context,
    grant_step_as_system,
)
from agreements.services.findings import FindingsInput, findings_input, findings_record
from dac_portal import events
from dac_portal.errors import Conflict
from notifications.services import notify


@workflow.MACHINE.handles(A.ATTEST_DESTRUCTION)
def grant_attest_destruction(
    *, grant: Grant, actor: User, statement: Any, findings: Any = None
) -> CloseOut:
    """Data-destruction attestation: the researcher's (holder) and the signing official's.
    When both are given the grant is closed, and the request too once all its grants ended.
    The holder's attestation carries the findings (a summary required unless "no findings
    yet"); `findings` left out entirely is the API of before findings, kept for its clients,
    and records none. The official's attestation carries none."""
    statement = _text(statement, "statement", limit=4000)
    checked = findings_input(findings, at_close_out=True)
    with transaction.atomic():
        with GRANTS.fire(
            grant, A.ATTEST_DESTRUCTION, actor, AgreementAudit.GRANT_CLOSEOUT_ATTESTED
        ) as firing:
            grant = firing.obj
            close_out, _created = CloseOut.objects.select_for_update().get_or_create(grant=grant)
            as_role = _attest(close_out, firing.roles, actor, statement, firing.now)
            firing.data.update({"as": as_role, "statement": statement})
            _record_findings(close_out, as_role, actor, checked, firing)
        if close_out.researcher_attested_at and close_out.official_attested_at:
            _close(grant, actor)
        elif as_role == "researcher":
            for official in _officials(grant.access_request.institution_id):
                notify(
                    "closeout_attestation_needed",
                    official,
                    f"grant.closeout_needed:{grant.reference}:{official.pk}",
                    grant_context(grant),
                    actor,
                )
    return close_out


def _attest(
    close_out: CloseOut, roles: frozenset[str], actor: User, statement: str, now: Any
) -> str:
    """Record the attestation the actor still owes, as holder or as official (409 when
    they gave theirs already); returns which."""
    if workflow.Role.HOLDER in roles and close_out.researcher_attested_at is None:
        close_out.researcher_statement = statement
        close_out.researcher_attested_by = actor
        close_out.researcher_attested_at = now
        as_role = "researcher"
    elif workflow.Role.SIGNING_OFFICIAL in roles and close_out.official_attested_at is None:
        close_out.official_statement = statement
        close_out.official_attested_by = actor
        close_out.official_attested_at = now
        as_role = "signing_official"
    else:
        raise Conflict("You have already attested the destruction.", code="already_attested")
    close_out.save()
    return as_role


def _record_findings(
    close_out: CloseOut, as_role: str, actor: User, checked: FindingsInput | None, firing: Any
) -> None:
    """The holder's findings, stored with their attestation and named in its audit event;
    an official's attestation has none to give."""
    if checked is None or as_role != "researcher":
        return
    findings_record(
        grant=close_out.grant, actor=actor, checked=checked, now=firing.now, close_out=close_out
    )
    firing.data.update(checked.audit_data())


@workflow.MACHINE.handles(A.CLOSE)
def _close(grant: Grant, actor: User) -> None:
    """The portal's step after the second attestation: the grant closes, then the request
    once every grant of it has ended."""
    closed = grant_step_as_system(
        grant,
        A.CLOSE,
        AgreementAudit.GRANT_CLOSED,
        reason="Data destruction attested.",
        actor=actor,
    )
    _close_request_if_ended(closed.access_request, actor=actor)


def _close_request_if_ended(
    access_request: AccessRequest, *, actor: User | None, system: str = SYSTEM
) -> bool:
    """Inside the caller's transaction: when every grant of an approved request has ended,
    announce it (access_requests closes the request, audited access_request.closed).
    Returns whether it announced. The request's own rows are access_requests' to write."""
    access_request = access_request_lock(access_request)
    statuses = set(
        Grant.objects.filter(access_request=access_request).values_list("status", flat=True)
    )
    if not statuses or statuses & set(workflow.LIVE_STATUSES):
        return False
    if not request_workflow.may(access_request.status, "close", [request_workflow.Role.SYSTEM]):
        return False
    events.publish(
        AllGrantsEnded(
            access_request=access_request,
            grant_statuses=tuple(sorted(statuses)),
            actor=actor,
            system=system,
        )
    )
    return True


def access_request_close_if_ended(
    *, access_request: AccessRequest, actor: User | None = None, system: str = SYSTEM
) -> bool:
    """Close an approved request whose grants have all ended (expired, revoked, closed).
    Returns whether it closed it. Safe to call any number of times."""
    with transaction.atomic():
        return _close_request_if_ended(access_request, actor=actor, system=system)
