"""What the agreements app does when the apps below it announce something
(dac_portal/events.py)."""

from __future__ import annotations

from agreements.services import consent_withdrawal_propagate
from consent.events import ConsentWithdrawn
from consent.models import ConsentWithdrawal
from dac_portal.events import Delivery, subscribe


@subscribe(ConsentWithdrawn, delivery=Delivery.ON_COMMIT)
def tell_holders_of_the_withdrawal(event: ConsentWithdrawn) -> None:
    """Holders of the dataset hear of a withdrawal as soon as it is recorded. Should this
    fail (the mail outbox is always reachable, but the database may not be), the hourly
    `agreements.consent_withdrawals` job propagates every withdrawal not yet propagated."""
    withdrawal = ConsentWithdrawal.objects.get(pk=event.withdrawal_id)
    consent_withdrawal_propagate(withdrawal=withdrawal)
