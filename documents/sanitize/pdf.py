"""PDFs of signed pages: opened by qpdf (pikepdf) within the limits on pages, pixels and
unpacked content, their active content taken out (scripts, actions that reach outside the
document, attachments, media) and written out anew."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import pikepdf
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .limits import DocumentRefused, lazy_message, too_many_pixels
from .pdf_streams import DAMAGED_PDF, Inflation, check_stream_content, scan_raw_streams

# Actions that run code, reach outside the document (other files, sites, servers), play
# media, or change what is shown on the page. A signed form needs none of them; internal
# links (GoTo) and viewer commands (Named) stay.
UNSAFE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/URI",
        "/SubmitForm",
        "/ImportData",
        "/ResetForm",
        "/GoToR",
        "/GoToE",
        "/GoTo3DView",
        "/RichMediaExecute",
        "/Rendition",
        "/Sound",
        "/Movie",
        "/Hide",
        "/SetOCGState",
    }
)
# Annotations that carry files or media rather than marks on the page.
REMOVED_ANNOTATIONS = frozenset({"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"})
# Keys whose value is an action, or a dictionary of actions fired by events.
ACTION_KEYS = ("/A", "/Next", "/PA")
# Removed wherever they appear: each has only one meaning in PDF.
REMOVED_KEYS = {
    "/OpenAction": "open_action",
    "/AA": "additional_actions",
    "/JavaScript": "javascript_name_tree",
    "/EmbeddedFiles": "embedded_files",
    "/EF": "embedded_file_streams",
    "/XFA": "xfa_forms",
}
# A PDF nests dictionaries and arrays; a file nesting deeper than any real one is a trap for
# the walk below (Python's recursion limit), not a document.
MAX_NESTING = 100


def _is_unsafe_action(value: pikepdf.Object) -> bool:
    if not isinstance(value, pikepdf.Dictionary):
        return False
    return "/JS" in value or str(value.get("/S", "")) in UNSAFE_ACTIONS


def _is_untyped(value: pikepdf.Object) -> bool:
    return isinstance(value, pikepdf.Dictionary) and "/S" not in value


class _Cleaner:
    """Walks every object of the document once and takes out the active content."""

    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self.pdf = pdf
        self.counts: Counter[str] = Counter()
        self.actions: Counter[str] = Counter()
        self.annotations: Counter[str] = Counter()
        self.max_pixels = settings.DOCUMENT_MAX_IMAGE_PIXELS
        self.budget = Inflation(settings.DOCUMENT_MAX_INFLATED_BYTES)

    def run(self) -> dict[str, Any]:
        for obj in self.pdf.objects:
            self._visit(obj, depth=0)
        removed: dict[str, Any] = dict(sorted(self.counts.items()))
        if self.actions:
            removed["actions"] = dict(sorted(self.actions.items()))
        if self.annotations:
            removed["annotations"] = dict(sorted(self.annotations.items()))
        return removed

    def _visit(self, obj: pikepdf.Object, depth: int) -> None:
        if depth > MAX_NESTING:
            raise DocumentRefused(DAMAGED_PDF, code="damaged")
        if isinstance(obj, pikepdf.Array):
            for item in obj:
                if isinstance(item, pikepdf.Object) and not item.is_indirect:
                    self._visit(item, depth + 1)
            return
        if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            return
        if isinstance(obj, pikepdf.Stream):
            self._check_stream(obj)
        # Children first, so that actions inside a dictionary about to be removed are still
        # counted in the report. Indirect children are visited from ``pdf.objects``.
        for key in list(obj.keys()):
            value = obj.get(key)
            if isinstance(value, pikepdf.Object) and not value.is_indirect:
                self._visit(value, depth + 1)
        self._clean(obj)

    def _check_stream(self, stream: pikepdf.Stream) -> None:
        if str(stream.get("/Subtype", "")) == "/Image":
            try:
                width, height = int(stream.get("/Width", 0)), int(stream.get("/Height", 0))
            except (TypeError, ValueError):
                raise DocumentRefused(DAMAGED_PDF, code="damaged") from None
            if width * height > self.max_pixels:
                raise too_many_pixels(width, height, self.max_pixels)
        check_stream_content(stream, self.budget)

    def _clean(self, obj: pikepdf.Dictionary | pikepdf.Stream) -> None:
        if _is_unsafe_action(obj):
            self.actions[str(obj.get("/S", "/JavaScript")).lstrip("/")] += 1
            # Emptied in place: whatever still points at it (from anywhere in the file) now
            # points at a dictionary that does nothing.
            for key in list(obj.keys()):
                del obj[key]
            return
        for key, label in REMOVED_KEYS.items():
            if key in obj:
                del obj[key]
                self.counts[label] += 1
        for key in ACTION_KEYS:
            # An action without a type is one emptied above (or never did anything).
            if key in obj and (_is_unsafe_action(obj[key]) or _is_untyped(obj[key])):
                del obj[key]
        annotations = obj.get("/Annots")
        if isinstance(annotations, pikepdf.Array):
            kept = []
            for annotation in annotations:
                subtype = (
                    str(annotation.get("/Subtype", "")) if isinstance(annotation, pikepdf.Dictionary) else ""
                )
                if subtype in REMOVED_ANNOTATIONS:
                    self.annotations[subtype.lstrip("/")] += 1
                else:
                    kept.append(annotation)
            if len(kept) != len(annotations):
                obj["/Annots"] = pikepdf.Array(kept)


def clean_pdf(data: bytes) -> tuple[bytes, int, dict[str, Any]]:
    inflate_limit = settings.DOCUMENT_MAX_INFLATED_BYTES
    scan_raw_streams(data, inflate_limit)
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise _encrypted() from None
    except (pikepdf.PdfError, ValueError, RecursionError) as exc:
        raise DocumentRefused(DAMAGED_PDF, code="damaged") from exc
    with pdf:
        # Even without a password to open it, an encrypted PDF is not ours to rewrite: its
        # permissions say what may be done with it, and staff must see what was signed.
        if pdf.is_encrypted:
            raise _encrypted()
        try:
            pages = len(pdf.pages)
        except (pikepdf.PdfError, RecursionError) as exc:
            raise DocumentRefused(DAMAGED_PDF, code="damaged") from exc
        if pages == 0:
            raise DocumentRefused(DAMAGED_PDF, code="damaged")
        page_limit = settings.DOCUMENT_MAX_PDF_PAGES
        if pages > page_limit:
            raise DocumentRefused(
                lazy_message(
                    _(
                        "This PDF has %(pages)s pages; we accept at most %(limit)s in one file. Send "
                        "the pages that were signed, or split them into several files."
                    ),
                    pages=pages,
                    limit=page_limit,
                ),
                code="too_many_pages",
            )
        try:
            removed = _Cleaner(pdf).run()
            out = io.BytesIO()
            # Streams are copied as they are: no decoding, so nothing unpacks in memory here
            # (compressing would make qpdf unpack LZW streams to recompress them). Only
            # objects still reachable from the document are written, so everything taken out
            # above is gone from the new file, not merely unlinked.
            pdf.save(
                out,
                stream_decode_level=pikepdf.StreamDecodeLevel.none,
                compress_streams=False,
                fix_metadata_version=False,
                deterministic_id=True,
            )
        except (pikepdf.PdfError, RecursionError, TypeError, ValueError) as exc:
            # Objects of the wrong type where the walk expects others: a broken file.
            raise DocumentRefused(DAMAGED_PDF, code="damaged") from exc
    content = out.getvalue()
    # The copy must read as the original did: the same number of pages.
    try:
        with pikepdf.open(io.BytesIO(content)) as check:
            if len(check.pages) != pages:
                raise DocumentRefused(DAMAGED_PDF, code="damaged")
    except pikepdf.PdfError as exc:
        raise DocumentRefused(DAMAGED_PDF, code="damaged") from exc
    return content, pages, removed


def _encrypted() -> DocumentRefused:
    return DocumentRefused(
        _(
            "This PDF is encrypted or protected with a password, so we cannot check what it "
            "contains. Save or print it again as a PDF without protection and upload that file."
        ),
        code="encrypted",
    )
