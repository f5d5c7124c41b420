"""The transfer pages: a customer's requests, the registrant's
confirmation link, and the back office's view of a request.

The views are thin: they check who is asking and for what, read through the selectors and
change things only through ``transfers.services``. Every change is a POST.
"""

from .back_office import reject, review
from .common import DECIDERS, READERS
from .confirmation import FoundLink, confirm
from .detail import Step, approve, cancel, detail, resend_confirmation, resubmit
from .start import start

__all__ = [
    "DECIDERS",
    "READERS",
    "FoundLink",
    "Step",
    "approve",
    "resend_confirmation",
    "cancel",
    "confirm",
    "detail",
    "reject",
    "resubmit",
    "review",
    "start",
]
