from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DomainsConfig(AppConfig):
    """What the registrant of a domain we hold does with it: its authinfo code and its
    transfer lock."""

    name = "domains"
    verbose_name = _("Domains we hold")

    def ready(self) -> None:
        from assignments.signals import cesja_completed
        from transfers.signals import transfer_completed
        from workflows.rounds import REGISTRY, register

        from . import consequences  # noqa: F401 - the outbox's handlers
        from .receivers import codes_die_with_the_cesja, codes_die_with_the_transfer

        transfer_completed.connect(codes_die_with_the_transfer, dispatch_uid="domains.codes_die")
        cesja_completed.connect(codes_die_with_the_cesja, dispatch_uid="domains.codes_die_with_cesja")
        register("codes reset", "domains.tasks.reset_expired_authinfo_codes", every=3600, order=REGISTRY)
