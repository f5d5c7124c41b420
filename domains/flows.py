"""The domains team's work on a domain whose registry record differs from ours."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from workflows.locks import flow_lock
from workflows.roles import team_permission


class RegistryDifferenceFlow(flow.Flow):
    """Registry difference

    The registry's record of a domain we hold differs from ours: the domains team looks at it
    and says what was done. The task is completed by ``domains.differences.resolve``.
    """

    process_title = _("Registry difference")
    lock_impl = flow_lock

    start = flow.StartHandle(this.begin).Next(this.check)
    check = (
        flow.ManualTask()
        .Annotation(title=_("Registry difference: check"))
        .Permission(team_permission("domains"))
        .Next(this.end)
    )
    end = flow.End()

    def begin(self, activation, difference) -> None:
        activation.process.artifact = difference


WAITS = {"check": lambda difference: difference.resolved_at is not None}
