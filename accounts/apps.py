from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts, institutions and committees")

    def ready(self) -> None:
        from accounts import schema, signals  # noqa: F401  (schema extension, log-in auditing)
