"""A cesja as the step runner knows it (``workflows.cases``)."""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext_lazy as _

from workflows.cases import CaseKind
from workflows.models import EventType

from .models import Cesja


class CesjaKind(CaseKind[Cesja]):
    model = Cesja
    related = ("policy", "cedent", "cesjonariusz", "cedent_account", "cesjonariusz_account")
    state_event = EventType.CESJA_STATE_CHANGED
    delayed_event = EventType.CESJA_REGISTRY_DELAYED
    moved_on_text = _("This cesja was already moved on (now: %(state)s) by %(actor)s at %(time)s.")
    cannot_now_text = _("This cesja is now %(state)s; it cannot be changed that way.")
    delayed_text = _("The registry could not be reached for cesja %(number)s; we keep trying.")
    logger = logging.getLogger("assignments.flows")

    def summary_params(self, case: Cesja) -> dict[str, Any]:
        # Domains as people write them (U-labels): the summaries are read, not parsed.
        return {"number": case.number, "domains": ", ".join(item.display_name for item in case.items.all())}

    def event_domain(self, case: Cesja) -> str:
        # One domain names the event for a search by domain; several are in its data.
        names = case.domain_names()
        return names[0] if len(names) == 1 else ""

    def event_data(self, case: Cesja) -> dict[str, Any]:
        return {"cesja": case.number, "domains": case.domain_names(), "policy_version": case.policy.version}


CESJE = CesjaKind()
