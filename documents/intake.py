"""Taking in a document: a customer's upload, or paper that staff register (post, fax, in
person) with its scan. The file is checked and cleaned (documents.sanitize) before anything is
written, so a refused file leaves no row and no file behind.

No history event is written here: the case's own service does that, in the same transaction,
with the words of its trade ("signed cesja form received by post").
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import date
from typing import IO, Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from workflows.models import Channel

from .codes import FormReading, read_form
from .models import GeneratedDocument, ReceivedDocument
from .sanitize import DocumentRefused, lazy_message, max_upload_bytes, sanitize, too_large

# The ways a document can physically reach us; a phone call or a chat carries no document.
DOCUMENT_CHANNELS = frozenset({Channel.WEB, Channel.EMAIL, Channel.POST, Channel.FAX, Channel.IN_PERSON})
READ_STEP = 1024 * 1024
# Control characters and path separators have no place in a name shown to staff.
UNSAFE_NAME_CHARACTERS = re.compile(r"[\x00-\x1f\x7f/\\]")


def receive_document(
    *,
    case: models.Model,
    kind: ReceivedDocument.Kind | str,
    uploaded_file: Any,
    channel: Channel | str,
    uploaded_by: Any,
    received_on: date | None = None,
    received_by: Any = None,
    form: GeneratedDocument | None = None,
    note: str = "",
    form_kind: str | None = None,
    check_reading: Callable[[FormReading], None] | None = None,
) -> ReceivedDocument:
    """Check, clean and store one document of ``case``; raise DocumentRefused if we will not
    take it (the message says why and what to do).

    ``uploaded_file`` is a Django UploadedFile (or any File with ``read``); ``form`` is the
    generated form this is a signed copy of, when there is one; ``received_on`` and
    ``received_by`` record when and by whom paper was taken in (today and nobody for uploads).

    With ``form_kind``, the code of the stored file is read and compared with the case's
    current form of that kind (``documents.codes``); the row records what it says, and
    ``check_reading`` may refuse the file on it (raise) before anything is stored.
    """
    if kind not in ReceivedDocument.Kind.values:
        raise ValueError(f"Unknown kind of received document: {kind!r}")
    if channel not in DOCUMENT_CHANNELS:
        raise ValueError(f"A document cannot come through the channel {channel!r}")
    if case.pk is None:
        raise ValueError("The case must be saved before documents are attached to it")
    case_type = ContentType.objects.get_for_model(case)
    if form is not None:
        if (form.case_type_id, form.case_id) != (case_type.pk, case.pk):
            raise ValueError("The form belongs to another case")
        # Checked before reading the file, so a stale form is refused without the work.
        form.refresh_from_db(fields=["superseded_at", "superseded_by"])
        _refuse_if_superseded(form)

    data = _read_at_most_limit(uploaded_file)
    original_name = _shown_name(getattr(uploaded_file, "name", "") or "")
    cleaned = sanitize(data, original_name)
    del data
    reading = (
        read_form(cleaned.content, cleaned.content_type, case=case, kind=form_kind) if form_kind else None
    )
    if reading is not None and check_reading is not None:
        check_reading(reading)

    with transaction.atomic():
        if form is not None:
            # Locked, so that a new version cannot replace it between this check and the save.
            _refuse_if_superseded(GeneratedDocument.objects.select_for_update().get(pk=form.pk))
        document = ReceivedDocument(
            case_type=case_type,
            case_id=case.pk,
            kind=kind,
            channel=channel,
            received_on=received_on or timezone.localdate(),
            received_by=received_by,
            uploaded_by=uploaded_by,
            form=form,
            original_name=original_name,
            content_type=cleaned.content_type,
            sha256=cleaned.sha256,
            original_sha256=cleaned.original_sha256,
            size=len(cleaned.content),
            pages=cleaned.pages,
            cleaning=cleaned.removed,
            note=note,
            code_number=reading.number if reading else "",
            code_check=reading.check if reading else "",
        )
        # A name of our own: the sender's name could carry a path, a misleading extension or
        # someone's personal data into the file system.
        stored_name = f"{secrets.token_hex(16)}.{cleaned.extension}"
        document.file.save(stored_name, ContentFile(cleaned.content), save=False)
        try:
            document.save(force_insert=True)
        except BaseException:
            document.file.storage.delete(document.file.name)
            raise
    return document


def _read_at_most_limit(uploaded_file: IO[bytes] | Any) -> bytes:
    """The file's bytes, reading no more than one byte past the limit.

    The size Django reports is checked first, but the reading itself is what holds: a file
    object may not know or may misstate its size.
    """
    limit = max_upload_bytes()
    size = getattr(uploaded_file, "size", None)
    if isinstance(size, int) and size > limit:
        raise too_large()
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    parts: list[bytes] = []
    remaining = limit + 1
    while remaining > 0:
        part = uploaded_file.read(min(remaining, READ_STEP))
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    if remaining <= 0:
        raise too_large()
    return b"".join(parts)


def _shown_name(name: str) -> str:
    base = re.split(r"[/\\]", name)[-1]
    return UNSAFE_NAME_CHARACTERS.sub("_", base).strip()[:255]


def _refuse_if_superseded(form: GeneratedDocument) -> None:
    if form.is_current:
        return
    replacement = form.superseded_by
    if replacement is None:
        # Superseded with nothing in its place (the case was withdrawn or restarted).
        raise DocumentRefused(
            lazy_message(
                _(
                    "This form version (number %(number)s) is no longer valid. Download the current "
                    "form from your panel, print it, sign it and send that one."
                ),
                number=form.number,
            ),
            code="superseded_form",
        )
    superseded_at = form.superseded_at
    raise DocumentRefused(
        lazy_message(
            _(
                "This form version was replaced by number %(number)s on %(date)s; print and sign "
                "the current one."
            ),
            number=replacement.number,
            # Formatted when the message is read, in that reader's language.
            date=_LazyDate(superseded_at),
        ),
        code="superseded_form",
    )


class _LazyDate:
    def __init__(self, moment: Any) -> None:
        self.moment = moment

    def __str__(self) -> str:
        return formats.date_format(timezone.localtime(self.moment), "DATE_FORMAT")
