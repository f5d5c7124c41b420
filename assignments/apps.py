from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssignmentsConfig(AppConfig):
    """Cesja: the change of registrant on signed documents."""

    name = "assignments"
    verbose_name = _("Cesja (change of registrant)")

    def ready(self) -> None:
        # The flow tells the step runner how it follows a cesja; the consequences are the
        # outbox's handlers. Both must be known in every process, a worker's too.
        from accounts.signals import registrant_changed

        from . import consequences, flows  # noqa: F401
        from .signals import on_registrant_changed

        registrant_changed.connect(on_registrant_changed, dispatch_uid="assignments.registrant_changed")

        # A cesja hands domains over: the codes issued to the cedent die with it. Wired here,
        # since a cesja depends on the domains it hands over, not the other way round.
        from domains.receivers import codes_die_with_the_cesja

        from .signals import cesja_completed

        cesja_completed.connect(codes_die_with_the_cesja, dispatch_uid="domains.codes_die_with_cesja")
        from accounts import login_notes

        from .selectors import invitation_login_note

        login_notes.register("assignments:invitation", invitation_login_note)

        # History events carry a party's side by its code; the auditor reads its label.
        from workflows.readable import register_detail_values

        from .models import Side

        register_detail_values("side", Side.choices)

        from workflows.rounds import FLOWS, SWEEPS, register

        register("cesja reminders", "assignments.tasks.send_cesja_reminders", every=3600, order=SWEEPS)
        register("cesje expired", "assignments.tasks.expire_overdue_cesje", every=600, order=SWEEPS)
        register("cesja flow steps", "assignments.tasks.sync_open_flows", every=300, order=FLOWS)
