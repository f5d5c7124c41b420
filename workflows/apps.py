from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("History and workflow machinery")

    def ready(self) -> None:
        from .rounds import TASKS, register

        # Each app registers its own periodic rounds in its ready(); see workflows.rounds.
        register("task deadlines", "workflows.tasks.warn_and_escalate", every=600, order=TASKS)
