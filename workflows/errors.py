"""The two ways a service says no, shared by every kind of case.

A refusal (the rules do not allow this) carries a sentence for the person who asked; a
conflict is a refusal because someone else moved the case on first, and the person is sent to
the case as it now stands. ``workflows.decisions.carry_out`` shows either on a page.
"""

from __future__ import annotations

from typing import Any


class Refused(Exception):  # noqa: N818 - named for what the user hears
    """The rules do not allow this; ``message`` says why in words for the customer."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


class Conflict(Refused):
    """Someone else changed the case first."""
