from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("History and workflow machinery")

    def ready(self) -> None:
        # The outbox's handler of the engine's own mail must be known in every process.
        from . import mail  # noqa: F401
