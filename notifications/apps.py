from datetime import timedelta

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from dac_portal import jobs
        from notifications import tasks  # noqa: F401  registers the send task by name
        from notifications.jobs import flush_outbox

        # Runs after the other jobs in `run_jobs`, so it delivers what they queued. It is
        # also the retry of every send the broker did not take, so beat runs it every minute.
        jobs.register(
            "notifications.flush_outbox",
            flush_outbox,
            schedule=timedelta(seconds=settings.NOTIFICATION_FLUSH_INTERVAL_SECONDS),
            order=1000,
        )
