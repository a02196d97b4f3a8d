from django.apps import AppConfig


class SupportConfig(AppConfig):
    """Test-only app (installed by dac_portal.settings.test): overrides `flush`, and makes
    connections act as the portal's database role (tests/support/roles.py)."""

    name = "tests.support"
    label = "test_support"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from tests.support import roles

        connection_created.connect(roles.on_connection_created, dispatch_uid="act_as_role")
