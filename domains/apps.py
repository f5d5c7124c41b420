from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DomainsConfig(AppConfig):
    """The domains we hold: who their registrant is (as the registry says), their authinfo
    codes and transfer lock, and our record compared with the registry's."""

    name = "domains"
    verbose_name = _("Domains we hold")

    def ready(self) -> None:
        from registry.notices import authinfo_set_by_registry
        from transfers.signals import transfer_completed
        from workflows.rounds import REGISTRY, register

        from . import consequences, flows  # noqa: F401 - the outbox's handlers, the flow
        from .receivers import (
            codes_die_with_the_transfer,
            codes_replaced_by_the_registry,
            registrant_is_read_from_the_registry,
        )

        authinfo_set_by_registry.connect(
            codes_replaced_by_the_registry, dispatch_uid="domains.codes_replaced"
        )

        transfer_completed.connect(codes_die_with_the_transfer, dispatch_uid="domains.codes_die")
        transfer_completed.connect(
            registrant_is_read_from_the_registry, dispatch_uid="domains.registrant_from_registry"
        )
        # The history's details carry these by their codes; the auditor reads their labels.
        from registry.models import RegistrantBasis
        from workflows.readable import register_detail_values

        from .comparison import FOUND_BY

        register_detail_values("basis", RegistrantBasis.choices)
        register_detail_values("found_by", FOUND_BY.items())
        register("domains compared with the registry", "domains.tasks.compare_with_registry", every=3600)
        register("codes reset", "domains.tasks.reset_expired_authinfo_codes", every=3600, order=REGISTRY)
