"""Firing a workflow action on one aggregate: the sequence every state change shares,
written once (dac_portal/state_machine.py has the tables it reads).

    with requests.fire(access_request, A.ENDORSE, actor, RequestAudit.ENDORSED) as firing:
        firing.obj.endorsed_at = firing.now          # the handler's own changes
        firing.data["institution"] = ...             # more for the audit event

On entry, in a new transaction: lock the row, refuse unless the actor's roles may fire the
action now (403/409 from the machine). On exit: move the status as the table says (unless
the handler moved it already with `firing.advance()`, or kept it with `firing.hold()`),
save, and record the audit event with the old and new status and `firing.data`, in the
same transaction. Notifications the handler queues with `notify` are sent after the
commit. An exception anywhere rolls everything back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.db import transaction
from django.utils import timezone

from dac_portal.state_machine import StateMachine

T = TypeVar("T")


@dataclass
class Firing(Generic[T]):
    obj: T
    action: str
    old_status: str
    now: datetime
    # The audit action to record; a handler whose outcome names the event (a renewal
    # granted or refused) may change it.
    audit_action: str
    _advance: Callable[[T, str, datetime, str | None], str]
    _machine: StateMachine
    _system_role: str
    # The roles the actor was checked with (a handler that acts differently by role: the
    # holder's and the official's destruction attestations).
    roles: frozenset[str] = frozenset()
    data: dict[str, Any] = field(default_factory=dict)
    # The audit event recorded on exit (a decision's receipt names it).
    event: Any = None
    _moved: bool = False

    def advance(self, outcome: str | None = None) -> None:
        """Move the status now (before the handler's next step needs it), choosing
        `outcome` where the action has several."""
        if not self._moved:
            self._advance(self.obj, self.action, self.now, outcome)
            self._moved = True

    def follow(self, action: str, outcome: str | None = None) -> None:
        """A step the portal takes at once after this one, in the same transaction and
        audit event (a submitted request that needs no endorsement is routed to review):
        the table is asked whether the system role may fire `action` from the status
        this action led to."""
        self.advance()
        status = str(self.obj.status)  # type: ignore[attr-defined]
        self._machine.check(status, action, frozenset({self._system_role}))
        self._advance(self.obj, action, self.now, outcome)
        self.data.setdefault("then", []).append(action)

    def hold(self) -> None:
        """Keep the status this time (a decision still waiting for another committee)."""
        self._moved = True


@dataclass(frozen=True)
class Aggregate(Generic[T]):
    """How one kind of row is fired upon: its machine, lock, roles and status writer."""

    machine: StateMachine
    lock: Callable[[T], T]
    roles: Callable[[Any, T], frozenset[str]]
    advance: Callable[[T, str, datetime, str | None], str]
    record: Callable[..., Any]
    # The table's role for the portal acting on its own (jobs, and steps that follow from
    # another change: a sanction suspending grants, the last grant closing a request).
    system_role: str = "system"
    # Called with the finished firing after its audit event, in the same transaction:
    # where an aggregate announces its changes to the apps above (a domain event).
    after: Callable[[Firing[T]], None] | None = None

    @contextmanager
    def fire(
        self,
        obj: T,
        action: str,
        actor: Any,
        audit_action: str,
        *,
        system: str | None = None,
        as_system: bool = False,
        precheck: Callable[[T], None] | None = None,
    ) -> Iterator[Firing[T]]:
        """`as_system`: the table is asked for the system role, whoever `actor` is (the
        person whose act set this off is still the one the audit event names; with no
        actor, `system` names the job). `precheck` runs on the locked row before the
        table is asked, for a refusal that must win over the table's (a second recusal
        is a 409, not the 403 every act of a recused member gets)."""
        with transaction.atomic():
            obj = self.lock(obj)
            if precheck is not None:
                precheck(obj)
            status = str(obj.status)  # type: ignore[attr-defined]
            roles = frozenset({self.system_role}) if as_system else self.roles(actor, obj)
            self.machine.check(status, action, roles)
            firing = Firing(
                obj,
                action,
                status,
                timezone.now(),
                audit_action,
                self.advance,
                self.machine,
                self.system_role,
                roles=roles,
            )
            yield firing
            firing.advance()
            obj.save()  # type: ignore[attr-defined]
            # Actions that can move the status record where it went; those that keep it
            # by definition (a report, a renewal request) record only their own data.
            moves = self.machine.targets(status, action) != {status}
            data = (
                {"old_status": status, "new_status": str(obj.status), **firing.data}  # type: ignore[attr-defined]
                if moves
                else dict(firing.data)
            )
            firing.event = self.record(
                actor=actor,
                system=None if actor else system,
                action=firing.audit_action,
                target=obj,
                data=data,
            )
            if self.after is not None:
                self.after(firing)
