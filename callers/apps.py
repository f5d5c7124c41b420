from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallersConfig(AppConfig):
    name = "callers"
    verbose_name = _("Callers")

    def ready(self) -> None:
        from . import signals

        signals.connect()
