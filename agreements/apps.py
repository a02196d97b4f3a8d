from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = _("Agreements and grants")

    def ready(self) -> None:
        from agreements import checks, rules  # noqa: F401  (registers them)
