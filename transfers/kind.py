"""A transfer as the step runner knows it (``workflows.cases``)."""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext_lazy as _

from workflows.cases import CaseKind
from workflows.models import EventType

from .models import Transfer


class TransferKind(CaseKind[Transfer]):
    model = Transfer
    related = ("account", "tld", "policy")
    state_event = EventType.TRANSFER_STATE_CHANGED
    delayed_event = EventType.TRANSFER_REGISTRY_DELAYED
    moved_on_text = _("This request was already moved on (now: %(state)s) by %(actor)s at %(time)s.")
    cannot_now_text = _("This request is now %(state)s; it cannot be changed that way.")
    delayed_text = _("The registry could not be reached for %(domain)s; we keep trying.")
    logger = logging.getLogger("transfers.flows")

    def summary_params(self, case: Transfer) -> dict[str, Any]:
        return {"domain": case.display_name}

    def event_domain(self, case: Transfer) -> str:
        return case.domain_name

    def event_data(self, case: Transfer) -> dict[str, Any]:
        return {"direction": case.direction, "policy_version": case.policy.version}


TRANSFERS = TransferKind()
