from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssignmentsConfig(AppConfig):
    """Cesja: the change of registrant on signed documents."""

    name = "assignments"
    verbose_name = _("Cesja (change of registrant)")

    def ready(self) -> None:
        # The flow tells the step runner how it follows a cesja; the consequences are the
        # outbox's handlers. Both must be known in every process, a worker's too.
        from django.db.models.signals import post_save

        from workflows.models import HistoryEvent

        from . import consequences, flows  # noqa: F401
        from .signals import on_history_event

        # A profile edit is known by its history event, which names who edited and through
        # which channel: the form of an open cesja is issued again in their name.
        post_save.connect(on_history_event, sender=HistoryEvent, dispatch_uid="assignments.profile_changed")
