"""Whether an applicant is in good standing: a question access_requests asks and the apps
above it answer (a sanction kept by agreements, say), without access_requests importing
them (docs/architecture.md, "Layers").

An upper app registers a check from its `subscribers.py`; the first question imports every
app's `subscribers.py` (dac_portal.events.discover), so no check is missed however the
process started.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dac_portal import events


@dataclass(frozen=True)
class Restriction:
    """Why an applicant may not submit now."""

    # What the committee reads beside the request ("Under an active sanction: …").
    reason: str
    # The sentence the applicant gets when a submission is refused.
    message: str


StandingCheck = Callable[[Any], Restriction | None]

_checks: list[StandingCheck] = []


def register(check: StandingCheck) -> StandingCheck:
    if check in _checks:
        raise ValueError(f"{check.__qualname__} is registered twice.")
    _checks.append(check)
    return check


def restriction_for(applicant: Any) -> Restriction | None:
    """The first restriction any app reports for `applicant`, or None."""
    events.discover()
    for check in _checks:
        restriction = check(applicant)
        if restriction is not None:
            return restriction
    return None
