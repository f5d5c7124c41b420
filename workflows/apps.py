from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("History and workflow machinery")

    def ready(self) -> None:
        # The outbox's handler of the engine's own mail must be known in every process.
        from . import mail  # noqa: F401
        from .rounds import FLOWS, SWEEPS, TASKS, register

        # Each app registers its own periodic rounds in its ready(); see workflows.rounds.
        # The outbox relay runs once the stages before it have written what must follow.
        register("outbox messages sent", "workflows.tasks.relay_outbox", every=15, order=FLOWS + 5)
        # The chain heads, signed, once the steps of the stages before have written theirs.
        register("history checkpoint", "workflows.tasks.checkpoint_history", every=600, order=SWEEPS + 5)
        register("task deadlines", "workflows.tasks.warn_and_escalate", every=600, order=TASKS)
