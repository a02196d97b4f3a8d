"""What access_requests does when an app above it announces something (dac_portal/events.py)."""

from __future__ import annotations

from access_requests.events import AllGrantsEnded
from access_requests.services import access_request_close
from dac_portal.events import subscribe


@subscribe(AllGrantsEnded)
def close_the_request(event: AllGrantsEnded) -> None:
    """In the transaction that ended the last grant: the request and its last grant end
    together or not at all."""
    access_request_close(
        access_request=event.access_request,
        grant_statuses=event.grant_statuses,
        actor=event.actor,
        system=event.system,
    )
