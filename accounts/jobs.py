"""The periodic jobs of accounts, registered with dac_portal.jobs (Celery beat and
`manage.py run_jobs` drive them)."""

from __future__ import annotations

from datetime import timedelta

from accounts.membership import memberships_end_lapsed_terms
from dac_portal import jobs

jobs.register(
    "accounts.end_lapsed_terms",
    memberships_end_lapsed_terms,
    schedule=timedelta(hours=6),
    description="End the committee memberships whose term of office is over.",
    order=50,
)
