"""Where a case stands, as a row of stages its parties can read at a glance.

Each app names its stages and says which one a case has reached; this turns that into the
row the case pages show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Step:
    label: str
    # "done", "current", "todo" or "stopped" (where a case that ended without success stopped)
    status: str


def progress(labels: Sequence[str | Promise], current: int, *, stopped: bool = False) -> list[Step]:
    """The stages before ``current`` done, ``current`` under way (or where the case stopped),
    the rest still to do. ``current`` past the last stage: all of them done."""
    steps = []
    for index, label in enumerate(labels):
        if index < current:
            status = "done"
        elif index == current:
            status = "stopped" if stopped else "current"
        else:
            status = "todo"
        steps.append(Step(str(label), status))
    return steps
