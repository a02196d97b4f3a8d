"""What roles a person holds, loaded once per request and cached on the user object."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accounts.models import CommitteeMembership, CommitteeRole, PortalRole, PortalRoleAssignment

_CACHE_ATTR = "_dac_roles"


@dataclass(frozen=True)
class Roles:
    portal: frozenset[str] = frozenset()
    # institution ids for which the person is a signing official
    official_for: frozenset[int] = frozenset()
    # committee id -> roles on that committee
    committees: dict[int, frozenset[str]] = field(default_factory=dict)
    committee_names: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> (slug, name)

    def on(self, committee_id: int) -> frozenset[str]:
        return self.committees.get(committee_id, frozenset())

    def committees_where(self, *roles: str) -> list[int]:
        """The committees on which the person holds any of `roles`."""
        wanted = set(roles)
        return [cid for cid, held in self.committees.items() if held & wanted]

    @property
    def chaired(self) -> list[tuple[str, str]]:
        """(slug, name) of the committees the person chairs, by name: whose members they manage."""
        ids = self.committees_where(CommitteeRole.CHAIR)
        return sorted((self.committee_names[cid] for cid in ids), key=lambda pair: pair[1])

    @property
    def is_committee_person(self) -> bool:
        return bool(self.committees)

    def labels(self) -> list[str]:
        """Human-readable role names, for the header."""
        names = [str(PortalRole(r).label) for r in sorted(self.portal)]
        for committee_id, roles in sorted(self.committees.items()):
            _slug, name = self.committee_names[committee_id]
            for role in sorted(roles):
                names.append(f"{CommitteeRole(role).label} — {name}")
        return names


def roles_of(user: Any) -> Roles:
    if user is None or not getattr(user, "is_authenticated", False):
        return Roles()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    portal: set[str] = set()
    official_for: set[int] = set()
    for role, institution_id in PortalRoleAssignment.objects.filter(user=user).values_list(
        "role", "institution_id"
    ):
        portal.add(role)
        if role == PortalRole.SIGNING_OFFICIAL and institution_id:
            official_for.add(institution_id)
    committees: dict[int, set[str]] = {}
    names: dict[int, tuple[str, str]] = {}
    for committee_id, role, slug, name in CommitteeMembership.objects.filter(user=user).values_list(
        "committee_id", "role", "committee__slug", "committee__name"
    ):
        committees.setdefault(committee_id, set()).add(role)
        names[committee_id] = (slug, name)
    roles = Roles(
        portal=frozenset(portal),
        official_for=frozenset(official_for),
        committees={k: frozenset(v) for k, v in committees.items()},
        committee_names=names,
    )
    setattr(user, _CACHE_ATTR, roles)
    return roles


def forget_roles(user: Any) -> None:
    """Drop the cached roles, after a service changed them."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def committee_person(user: Any) -> bool:
    """On some committee (in any role), or a superuser, who holds every committee's
    permissions: who may open the review queue."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(roles_of(user).committees) or bool(getattr(user, "is_superuser", False))
