"""Demo data for re-consent flags: DACD000003's cohort recruited children, some of whom
have reached adulthood, so steward1 has an open flag on it (the committee cannot approve
new access to it); an earlier flag on DACD000006, cleared, shows the history.

Runs last among the seeders (dac_portal.demo.SEEDERS), after every demo approval, since
an open flag blocks approving its dataset. Idempotent: a dataset that has any flag is
left as it is.
"""

from __future__ import annotations

from typing import Any

from consent import reconsent
from consent.models import Dataset, ReconsentFlag

OPEN = (
    "DACD000003",
    "Participants recruited as children in 2008 have reached 18 and must consent as adults.",
    212,
)
CLEARED = (
    "DACD000006",
    "The 2019 consent form did not cover data sharing outside the EU.",
    "All reachable participants re-consented on the 2024 form; the others were withdrawn.",
)


def seed(ctx: dict[str, Any]) -> None:
    steward = ctx["users"]["steward1"]
    accession, reason, count = OPEN
    dataset = Dataset.objects.get(accession=accession)
    if not ReconsentFlag.objects.filter(dataset=dataset).exists():
        reconsent.reconsent_flag_raise(
            dataset=dataset, reason=reason, participant_count=count, actor=steward
        )
    accession, reason, note = CLEARED
    dataset = Dataset.objects.get(accession=accession)
    if not ReconsentFlag.objects.filter(dataset=dataset).exists():
        flag = reconsent.reconsent_flag_raise(dataset=dataset, reason=reason, actor=steward)
        reconsent.reconsent_flag_clear(flag=flag, note=note, actor=steward)
