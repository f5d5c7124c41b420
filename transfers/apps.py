from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    """Inter-registrar transfers, incoming (with an authinfo code) and outgoing."""

    name = "transfers"
    verbose_name = _("Transfers")

    def ready(self) -> None:
        # The flows tell the step runner how they follow a transfer; the consequences are the
        # outbox's handlers. Both must be known in every process, a worker's too.
        from . import consequences, flows  # noqa: F401
