from django.apps import AppConfig


class SupportConfig(AppConfig):
    """Test-only app (installed by dac_portal.settings.test): overrides `flush`."""

    name = "tests.support"
    label = "test_support"
