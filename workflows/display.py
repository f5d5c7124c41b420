"""How the engine's task statuses are put into words for people."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# viewflow names its task statuses in English only; these are the words our people see.
_TASK_STATUSES: dict[str, Promise] = {
    "NEW": _("Waiting"),
    "ASSIGNED": _("Taken"),
    "STARTED": _("In progress"),
    "SCHEDULED": _("Scheduled"),
    "ERROR": _("Error"),
    "DONE": _("Done"),
    "CANCELED": _("Cancelled"),
    "REVIVED": _("Revived"),
}


def describe_task_status(code: str) -> str:
    return str(_TASK_STATUSES.get(code, code))
