"""Every history event of documents, one named function each."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from workflows.history import history_text, record_event
from workflows.models import Channel, EventType, HistoryEvent

from .models import ReceivedDocument


def document_downloaded(user, document, case: models.Model, filename: str) -> HistoryEvent:
    """Scans carry identity documents and signatures: who took a copy, and of which exact
    file, is part of the case's record."""
    kind = "received" if isinstance(document, ReceivedDocument) else "generated"
    return record_event(
        event_type=EventType.DOCUMENT_DOWNLOADED,
        summary=history_text(
            _("%(document)s downloaded by %(user)s"), document=filename, user=user.get_username()
        ),
        actor=user,
        channel=Channel.WEB,
        subject=case,
        domain_name=getattr(case, "domain_name", "") or "",
        data={"document": kind, "document_id": document.pk, "file": filename, "sha256": document.sha256},
    )
