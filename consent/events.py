"""The facts the consent app announces to the apps above it (dac_portal/events.py)."""

from __future__ import annotations

from dataclasses import dataclass

from dac_portal.events import DomainEvent


@dataclass(frozen=True)
class ConsentWithdrawn(DomainEvent):
    """Participants withdrew consent from a dataset (a ConsentWithdrawal was recorded).
    Published in the recording transaction; holders of the data are told by whoever keeps
    the grants (agreements, after the commit)."""

    withdrawal_id: int
    dataset_id: int
