from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssignmentsConfig(AppConfig):
    """Cesja: the change of registrant on signed documents."""

    name = "assignments"
    verbose_name = _("Cesja (change of registrant)")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from workflows.models import HistoryEvent

        from .signals import on_history_event

        # A profile edit is known by its history event, which names who edited and through
        # which channel: the form of an open cesja is issued again in their name.
        post_save.connect(on_history_event, sender=HistoryEvent, dispatch_uid="assignments.profile_changed")

        from workflows.rounds import FLOWS, SWEEPS, register

        register("cesja reminders", "assignments.tasks.send_cesja_reminders", every=3600, order=SWEEPS)
        register("cesje expired", "assignments.tasks.expire_overdue_cesje", every=600, order=SWEEPS)
        register("cesja executions retried", "assignments.tasks.retry_waiting_cesje", every=60, order=SWEEPS)
        register("cesja flow steps", "assignments.tasks.sync_open_flows", every=300, order=FLOWS)
