"""What customers, staff and background jobs do with a cesja, by stage of the trade:
``parties`` (starting, inviting, joining), ``forms`` (the declaration's versions, corrected
data), ``documents`` (signed copies and papers), ``decisions`` (the checklist, approval,
rejection, correction, withdrawal), ``timers`` (the documents deadline, reminders) and
``registry`` (carrying out an approved cesja). Every step runs on ``workflows.cases``: one
transaction with its event, its flow's bookkeeping and the outbox rows of what follows it."""

from ..selectors import checklist_state
from .decisions import (
    approve_cesja,
    cancel_cesja,
    reject_cesja,
    request_correction,
    tick_checklist,
)
from .documents import register_paper_document, submit_signed_document
from .forms import (
    PARTY_FIELDS,
    current_form,
    issue_awaited_form,
    refresh_forms_of,
    regenerate_form,
    update_party,
)
from .parties import claim_invitation, join_cesja, mask_email, may_claim, start_cesja, wrong_account
from .registry import execute_cesja
from .steps import mail_party
from .timers import expire_cesja, expire_overdue_cesje, send_cesja_reminders

__all__ = [
    "PARTY_FIELDS",
    "approve_cesja",
    "cancel_cesja",
    "checklist_state",
    "claim_invitation",
    "current_form",
    "execute_cesja",
    "expire_cesja",
    "expire_overdue_cesje",
    "issue_awaited_form",
    "join_cesja",
    "mail_party",
    "mask_email",
    "may_claim",
    "refresh_forms_of",
    "regenerate_form",
    "register_paper_document",
    "reject_cesja",
    "request_correction",
    "send_cesja_reminders",
    "start_cesja",
    "submit_signed_document",
    "tick_checklist",
    "update_party",
    "wrong_account",
]
