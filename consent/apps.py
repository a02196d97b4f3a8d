from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = _("Studies, datasets and consent")

    def ready(self) -> None:
        from consent import rules  # noqa: F401  (registers the permission rules)
