"""Histories as files: CSV for spreadsheets, PDF for the case file."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from documents.rendering import get_renderer

from .selectors import RequestRecord, RequestRow, request_record

CSV_COLUMNS = (
    "request",
    "kind",
    "domains",
    "record",
    "time",
    "actor",
    "channel",
    "what",
    "reason",
    "before_after",
    "reference",
    "sha256",
    "cl_trid",
    "sv_trid",
    "result_code",
    "outcome",
)


def _iso(value) -> str:
    return value.astimezone(timezone.get_current_timezone()).isoformat() if value else ""


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str) if value else ""


def csv_rows(record: RequestRecord) -> Iterator[list[str]]:
    """One line per event, document, registry command and mail; the column names are fixed
    English identifiers so that a script reading the file works whatever the panel language."""
    row = record.request
    base = [row.label, row.kind, " ".join(record.domain_names)]
    for event in record.events:
        yield [
            *base,
            "event:" + event.event_type,
            _iso(event.occurred_at),
            event.actor_label,
            event.channel,
            event.summary,
            event.reason,
            _json(event.changes),
            f"event {event.pk}",
            event.hash,
            str(event.data.get("cl_trid", "")),
            str(event.data.get("sv_trid", "")),
            str(event.data.get("code", "") or ""),
            str(event.data.get("outcome", "")),
        ]
    for document in record.generated:
        yield [
            *base,
            "document:generated",
            _iso(document.created_at),
            document.created_by.get_username() if document.created_by else "system",
            "",
            f"{document.get_kind_display()} v{document.version}",
            "",
            "",
            document.number,
            document.sha256,
            "",
            "",
            "",
            "superseded" if document.superseded_at else "current",
        ]
    for document in record.received:
        yield [
            *base,
            "document:received",
            _iso(document.uploaded_at),
            document.uploaded_by.get_username(),
            document.channel,
            f"{document.get_kind_display()}: {document.original_name}",
            document.note,
            "",
            f"received {document.pk}",
            document.sha256,
            "",
            "",
            "",
            "",
        ]
    for command in record.commands:
        yield [
            *base,
            "registry:" + command.command,
            _iso(command.sent_at),
            command.actor.get_username() if command.actor else "system",
            "",
            command.object_name,
            command.message,
            "",
            command.registrar_client_id,
            "",
            command.cl_trid,
            command.sv_trid,
            "" if command.result_code is None else str(command.result_code),
            command.outcome,
        ]
    for email in record.emails:
        yield [
            *base,
            "email:" + email.kind,
            _iso(email.sent_at),
            "system",
            "email",
            email.subject,
            "",
            "",
            email.recipient,
            email.body_sha256,
            "",
            "",
            "",
            email.language,
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def stream_csv(rows: Iterable[RequestRow]) -> Iterator[str]:
    """Each request's record is read only when its turn comes, so a long export streams."""
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so that a spreadsheet opens the Polish letters as UTF-8
    yield writer.writerow(CSV_COLUMNS)
    for row in rows:
        for line in csv_rows(request_record(row)):
            yield writer.writerow(line)


def render_pdf(records: Sequence[RequestRecord], *, user, filters_text: str = "") -> bytes:
    language = translation.get_language() or settings.LANGUAGE_CODE
    context = {
        "records": records,
        "generated_at": timezone.localtime(),
        "generated_by": user,
        "filters_text": filters_text,
        "title": _("Request history report"),
    }
    return get_renderer().render_template("audit/report.html", context, language=language)
