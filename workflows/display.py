"""How the engine's task statuses and a case's state are shown to people."""

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


# How a case's state looks: "warning" when someone (often the customer) must act, "info" while
# it is under way, "ok" when done, "danger" when it ended without success, "neutral" else.
TONES = ("warning", "info", "ok", "danger", "neutral")


# How every kind of case can end, and how each ending looks.
ENDINGS = {
    "completed": "ok",
    "rejected": "danger",
    "expired": "danger",
    "failed": "danger",
    "cancelled": "neutral",
}


def tone_map(**states_by_tone: tuple[str, ...]) -> dict[str, str]:
    """``{state: tone}`` from the states of each tone, the endings included:
    ``tone_map(warning=(AWAITING_DOCUMENTS,), info=(EXECUTING,))``."""
    unknown = set(states_by_tone) - set(TONES)
    if unknown:
        raise ValueError(f"no such tone: {', '.join(sorted(unknown))}")
    return {**ENDINGS, **{state: tone for tone, states in states_by_tone.items() for state in states}}
