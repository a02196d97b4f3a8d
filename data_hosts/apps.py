from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataHostsConfig(AppConfig):
    name = "data_hosts"
    verbose_name = _("Data hosts: webhooks and the entitlement changes feed")

    def ready(self) -> None:
        from data_hosts import audit_actions, rules, tasks  # noqa: F401  (registers them)
