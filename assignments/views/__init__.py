"""The cesja pages: a customer starts one, the invited party joins, both parties follow the
case and send the signed form; the domains team verifies and decides; auditors and
supervisors read the same page without its buttons.

The views are thin: they check who is asking and for which cesja, read through the
selectors and change things only through ``assignments.services``. Every change is a POST.
"""

from .common import BACK_OFFICE_READERS, DECIDERS, READERS, Step, tone
from .documents import current_form, regenerate, upload
from .invitation import invitation, invitation_signup
from .parties import cancel, detail, join
from .start import start
from .verification import approve, correction, paper, reject, tick, verify

__all__ = [
    "BACK_OFFICE_READERS",
    "DECIDERS",
    "READERS",
    "Step",
    "approve",
    "cancel",
    "correction",
    "current_form",
    "detail",
    "invitation",
    "invitation_signup",
    "join",
    "paper",
    "regenerate",
    "reject",
    "start",
    "tick",
    "tone",
    "upload",
    "verify",
]
