"""Histories as files: CSV for spreadsheets, PDF for the case file. Every CSV the audit
exports is written by ``csv_lines``."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from documents.rendering import get_renderer
from workflows.models import HistoryEvent

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


# A spreadsheet takes a cell starting with one of these for a formula (or, for tab and CR, may
# shift it into one); text from customers and registries must never run as one.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value as written to a CSV cell: text that a spreadsheet would read as a formula is
    prefixed with an apostrophe, so that it shows as the text it is."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(header: Sequence[str], lines: Iterable[Sequence[Any]], *, bom: bool = True) -> Iterator[str]:
    """Every CSV export of the audit goes through here: the header, then each line with every
    cell made safe, one string at a time so that a long export streams."""
    writer = csv.writer(_Echo())
    if bom:
        yield "\ufeff"  # so that a spreadsheet opens the Polish letters as UTF-8
    yield writer.writerow(header)
    for line in lines:
        yield writer.writerow([safe_cell(cell) for cell in line])


def stream_csv(rows: Iterable[RequestRow]) -> Iterator[str]:
    """Each request's record is read only when its turn comes, so a long export streams."""
    return csv_lines(CSV_COLUMNS, (line for row in rows for line in csv_rows(request_record(row))))


HISTORY_COLUMNS = (
    "id",
    "occurred_at",
    "actor",
    "channel",
    "event_type",
    "domain",
    "summary",
    "reason",
    "changes",
    "data",
    "chain",
    "seq",
    "prev_hash",
    "hash",
)


def history_lines(events: Iterable[HistoryEvent]) -> Iterator[list[Any]]:
    """One line per event of the event-level history."""
    for event in events:
        yield [
            event.pk,
            timezone.localtime(event.occurred_at).isoformat(),
            event.actor_label,
            event.channel,
            event.event_type,
            event.domain_name,
            event.summary,
            event.reason,
            json.dumps(event.changes, ensure_ascii=False, sort_keys=True, default=str),
            json.dumps(event.data, ensure_ascii=False, sort_keys=True, default=str),
            event.chain,
            event.seq,
            event.prev_hash,
            event.hash,
        ]


def stream_history_csv(events: QuerySet[HistoryEvent]) -> Iterator[str]:
    """The events as CSV, read from the database in chunks so that size does not matter."""
    return csv_lines(HISTORY_COLUMNS, history_lines(events.iterator(chunk_size=500)), bom=False)


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
