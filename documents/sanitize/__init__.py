"""Checking and cleaning the files that reach us (scans, photos, PDFs of signed pages).

What a file is comes from its bytes, never from its name: the name is the sender's claim and
the easiest thing to forge. Every file is opened by a real parser (pikepdf, Pillow) to confirm
its type, held to limits on size, pages, pixels and decompressed content, and written out
anew, so that what we store and later show to staff is our own copy without active content:
no JavaScript, no actions that open other files or sites, no attachments, no metadata that
the sender did not mean to hand over (a phone photo's GPS position).

These are pure functions of the bytes: no database, no storage. ``documents.intake`` stores.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from .images import EXIF_GPS_IFD, clean_image
from .limits import (
    JPEG,
    MB,
    NOT_ACCEPTED,
    PDF,
    PNG,
    DocumentRefused,
    lazy_message,
    max_upload_bytes,
    megabytes,
    too_large,
    too_many_pixels,
)
from .pdf import (
    ACTION_KEYS,
    MAX_NESTING,
    REMOVED_ANNOTATIONS,
    REMOVED_KEYS,
    UNSAFE_ACTIONS,
    clean_pdf,
)
from .pdf_streams import DAMAGED_PDF, EXPANDING_FILTERS, IMAGE_FILTERS, INFLATE_STEP, STREAM_KEYWORD

__all__ = [
    "ACTION_KEYS",
    "DAMAGED_PDF",
    "EXIF_GPS_IFD",
    "EXPANDING_FILTERS",
    "IMAGE_FILTERS",
    "INFLATE_STEP",
    "JPEG",
    "MAX_NESTING",
    "MB",
    "NOT_ACCEPTED",
    "PDF",
    "PNG",
    "REMOVED_ANNOTATIONS",
    "REMOVED_KEYS",
    "STREAM_KEYWORD",
    "UNSAFE_ACTIONS",
    "DocumentRefused",
    "Sanitized",
    "lazy_message",
    "max_upload_bytes",
    "megabytes",
    "sanitize",
    "sniff",
    "too_large",
    "too_many_pixels",
]


@dataclass(frozen=True)
class Sanitized:
    """A file after checking and cleaning: ``content`` is what we store."""

    content: bytes
    content_type: str
    extension: str
    pages: int
    original_sha256: str
    sha256: str
    removed: dict[str, Any] = field(default_factory=dict)


def sniff(data: bytes) -> str | None:
    """The type the bytes claim by their signature; the parsers confirm it afterwards."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    # PDF readers accept a header within the first kilobyte (some scanners write a preamble);
    # qpdf does too, so a stricter check here would only refuse files staff can open.
    if b"%PDF-" in data[:1024]:
        return PDF
    return None


def sanitize(data: bytes, declared_name: str) -> Sanitized:
    """Check ``data`` by its content and return a cleaned copy, or raise DocumentRefused.

    ``declared_name`` is what the sender called the file; it decides nothing here.
    """
    del declared_name  # kept in the signature so that callers pass it; the content decides
    if not data:
        raise DocumentRefused(_("This file is empty. Choose the scan or photo again."), code="empty")
    if len(data) > max_upload_bytes():
        raise too_large()
    kind = sniff(data)
    if kind == PDF:
        content, pages, removed = clean_pdf(data)
        extension = "pdf"
    elif kind in (JPEG, PNG):
        content, removed = clean_image(data, kind)
        pages = 1
        extension = "jpg" if kind == JPEG else "png"
    else:
        raise DocumentRefused(NOT_ACCEPTED, code="not_accepted")
    return Sanitized(
        content=content,
        content_type=kind,
        extension=extension,
        pages=pages,
        original_sha256=hashlib.sha256(data).hexdigest(),
        sha256=hashlib.sha256(content).hexdigest(),
        removed=removed,
    )
