from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    """Inter-registrar transfers, incoming (with an authinfo code) and outgoing."""

    name = "transfers"
    verbose_name = _("Transfers")
