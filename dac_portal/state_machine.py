"""A workflow as data, and the one way its actions are checked and handled.

An app describes its lifecycle with two tables (access_requests/workflow.py,
agreements/workflow.py): which action leads from which status to which (`transitions`),
and which role may fire which action in which status (`permissions`). A `StateMachine`
built from them answers every "may I do this now?" (pages' buttons, the API's 409
`allowed_actions`, the services), computes the next status, and refuses with the portal's
errors (403 when none of the caller's roles could ever fire the action, 409 with the
allowed actions when the status forbids it).

Each action is carried out by exactly one handler, the service function that registers
itself with `@machine.handles(Action.X)`; tests/platform/test_state_machine.py fails, naming
the action, when a table gains an action nobody handles. A handler never assigns a status
itself: it asks `machine.next_status` (or `machine.advance`) so the table is the only
source of a new status.

Pure Python, no Django: the tables and their tests need no database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from dac_portal.errors import InvalidTransition, PermissionDenied

F = TypeVar("F", bound=Callable[..., Any])


class TransitionError(Exception):
    """The action does not lead anywhere from this status (or not to that outcome)."""

    def __init__(self, status: str, action: str):
        super().__init__(f"{action!r} is not possible from {status!r}.")
        self.status = status
        self.action = action


class Suspension:
    """A mark a person may hold beside their roles that suspends some of them, with the
    refusal they get when only the suspension stands in their way (recusal: 403
    `recused`)."""

    def __init__(self, marker: str, suspends: Iterable[str], *, code: str, message: str):
        self.marker = marker
        self.suspends = frozenset(suspends)
        self.code = code
        self.message = message


class StateMachine:
    def __init__(
        self,
        name: str,
        *,
        # Keys and values are the apps' StrEnum members (str subclasses); Mapping's key type is
        # invariant, hence Any for the keys.
        transitions: Mapping[Any, frozenset[Any]],
        permissions: Mapping[Any, Mapping[Any, frozenset[Any]]],
        suspensions: Iterable[Suspension] = (),
        noun: str = "object",
    ):
        self.name = name
        self.transitions = transitions
        self.permissions = permissions
        self.suspensions = tuple(suspensions)
        self.noun = noun
        self._handlers: dict[str, Callable[..., Any]] = {}

    # -- the tables --------------------------------------------------------------------

    def actions(self) -> frozenset[str]:
        """Every action some transition names."""
        return frozenset(action for _status, action in self.transitions)

    def targets(self, status: str, action: str) -> frozenset[str]:
        """The statuses `action` may lead to from `status`; empty when it is not possible."""
        return self.transitions.get((status, action), frozenset())

    def next_status(self, status: str, action: str, outcome: str | None = None) -> str:
        """The status after `action`. `outcome` picks one of several targets (decide)."""
        possible = self.targets(status, action)
        if not possible:
            raise TransitionError(status, action)
        if outcome is None:
            if len(possible) != 1:
                raise TransitionError(status, action)
            return next(iter(possible))
        if outcome not in possible:
            raise TransitionError(status, action)
        return next(s for s in possible if s == outcome)

    def statuses_where(self, action: str, role: str) -> frozenset[str]:
        """The statuses in which `role` may fire `action` (a set-based job's WHERE)."""
        return frozenset(
            status
            for status, actions in self.permissions.get(role, {}).items()
            if action in actions and (status, action) in self.transitions
        )

    def effective_roles(self, roles: Iterable[str]) -> frozenset[str]:
        """The roles that count: known roles, less those a held suspension suspends."""
        held = {role for role in roles if role in self.permissions}
        for suspension in self.suspensions:
            if suspension.marker in held:
                held -= suspension.suspends
        return frozenset(held)

    def allowed_actions(self, status: str, roles: Iterable[str]) -> list[str]:
        """The actions someone holding `roles` may fire in `status`, sorted."""
        allowed: set[str] = set()
        for role in self.effective_roles(roles):
            for action in self.permissions[role].get(status, frozenset()):
                if (status, action) in self.transitions:
                    allowed.add(str(action))
        return sorted(allowed)

    def may(self, status: str, action: str, roles: Iterable[str]) -> bool:
        return action in self.allowed_actions(status, roles)

    def could_ever(self, action: str, roles: Iterable[str]) -> bool:
        """Whether any of `roles` (suspensions applied) may fire `action` in some status."""
        return any(
            action in actions
            for role in self.effective_roles(roles)
            for actions in self.permissions[role].values()
        )

    def suspension_in_the_way(self, action: str, roles: Iterable[str]) -> Suspension | None:
        """The suspension that alone keeps `roles` from `action`, if any."""
        held = set(roles)
        for suspension in self.suspensions:
            if suspension.marker in held and any(
                action in actions
                for role in suspension.suspends & held
                for actions in self.permissions.get(role, {}).values()
            ):
                return suspension
        return None

    # -- refusing ----------------------------------------------------------------------

    def check(self, status: str, action: str, roles: Iterable[str]) -> frozenset[str]:
        """Refuse unless someone holding `roles` may fire `action` in `status`; returns the
        roles. 403 (`recused` or plain) when none of the roles could ever fire it, 409 with
        the allowed actions when the status is what forbids."""
        held = frozenset(roles)
        if self.may(status, action, held):
            return held
        suspension = self.suspension_in_the_way(action, held)
        if suspension is not None:
            raise PermissionDenied(
                suspension.message,
                code=suspension.code,
                details={"action": action, suspension.code: True},
            )
        if not self.could_ever(action, held):
            raise PermissionDenied(
                f"You may not do this to this {self.noun}.", details={"action": action}
            )
        raise InvalidTransition(
            status=status, action=action, allowed_actions=self.allowed_actions(status, held)
        )

    # -- handlers ----------------------------------------------------------------------

    def handles(self, *actions: str) -> Callable[[F], F]:
        """Register the decorated service function as the one handler of `actions`."""

        def register(handler: F) -> F:
            for action in actions:
                if action not in self.actions():
                    raise ValueError(f"{self.name} has no action {action!r} to handle.")
                existing = self._handlers.get(action)
                if existing is not None and existing is not handler:
                    raise ValueError(
                        f"{self.name}.{action} is already handled by {existing.__qualname__}."
                    )
                self._handlers[action] = handler
            return handler

        return register

    def handler_for(self, action: str) -> Callable[..., Any] | None:
        return self._handlers.get(action)

    def unhandled_actions(self) -> list[str]:
        """The actions of the tables that no function handles, sorted."""
        return sorted(action for action in self.actions() if action not in self._handlers)
