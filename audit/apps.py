from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from audit import checks  # noqa: F401  (registers the key checks)
        from audit.jobs import checkpoint
        from dac_portal import jobs

        # `manage.py run_jobs` (cron-driven deployments) signs the chain head too; the job
        # is idempotent per UTC day, so beat's own daily entry and this one never make two.
        jobs.register("audit_checkpoint", checkpoint, schedule=timedelta(days=1))
