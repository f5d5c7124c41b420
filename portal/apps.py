from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The shell people use: login, the home page of each role, navigation."""

    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from . import signals

        signals.connect()
