from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    """Inter-registrar transfers, incoming (with an authinfo code) and outgoing."""

    name = "transfers"
    verbose_name = _("Transfers")

    def ready(self) -> None:
        # The flows tell the step runner how they follow a transfer; the consequences are the
        # outbox's handlers. Both must be known in every process, a worker's too.
        from workflows.rounds import FLOWS, REGISTRY, TIMERS, register

        from . import consequences, flows  # noqa: F401

        register("poll messages", "transfers.tasks.process_poll_messages", every=60, order=REGISTRY)
        register(
            "transfers reconciled", "transfers.tasks.reconcile_pending_transfers", every=600, order=REGISTRY
        )
        # viewflow's database timers of every flow (transfers' and cesje's deadlines alike).
        register("timers fired", "transfers.tasks.fire_workflow_timers", every=60, order=TIMERS)
        register("flow steps", "transfers.tasks.sync_open_flows", every=300, order=FLOWS)

        # History events carry a transfer's direction by its code; the auditor reads its label.
        from workflows.readable import register_detail_values

        from .models import Direction

        register_detail_values("direction", Direction.choices)
