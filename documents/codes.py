"""What a scan really is: the QR code and the document number read off the file we store.

A form we generate carries its document number in its QR code (and, in a PDF that was never
printed, in its text). A scan is only worth checking against the case it was sent to if we
know what it is a copy of: the sender's word ("this is the form of my cesja") is not enough,
since a scan of another case's form, or of a version the parties' data has since changed,
looks just like the right one to a hurried reader.

These functions read the *cleaned* file (``documents.sanitize``), which is what staff see.
Pages are rasterised with poppler's ``pdftoppm`` (vector QR codes of a PDF printed to file
and images of a scanned one alike) and decoded with zxing-cpp.
"""

from __future__ import annotations

import io
import logging
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import zxingcpp
from django.contrib.contenttypes.models import ContentType
from django.db import models
from PIL import Image

from .cesja_form import FORM_PARAMETER
from .models import GeneratedDocument, ReceivedDocument
from .sanitize import PDF

logger = logging.getLogger(__name__)

# A form's QR code is the staff address of its case with ``form=<document number>``
# (FORM_PARAMETER; see CesjaFormData.qr_payload). A document number as printed (see
# services.format_number), for the text of a PDF:
NUMBER_IN_TEXT = re.compile(r"\b[A-Z]{2,8}/\d{4}/\d{6}/\d{1,4}\b")
# Enough for a QR code of 2 px modules on A4; more only costs time on every upload.
RESOLUTION = 150
# The code is on the first page of our forms; a scan may come in another order, but a file
# with dozens of pages is a bundle of papers, not a form to search to its end.
MAX_PAGES_READ = 6
TIME_LIMIT = 60

CodeCheck = ReceivedDocument.CodeCheck


@dataclass(frozen=True)
class FormReading:
    """What the scan says it is, against the case it was sent to."""

    check: str  # a ReceivedDocument.CodeCheck value
    number: str = ""  # the document number read, "" when none
    form: GeneratedDocument | None = None  # our form of that number, if we issued it
    current: GeneratedDocument | None = None  # this case's current version of the form

    @property
    def case_number(self) -> str:
        """The number of the case the form read belongs to (the document number without its
        version): ``CES/2026/000001/1`` is a form of ``CES/2026/000001``."""
        return self.number.rsplit("/", 1)[0] if self.number else ""

    @property
    def version(self) -> int | None:
        return self.form.version if self.form is not None else None


def numbers_in_code(text: str) -> list[str]:
    """Document numbers a decoded QR code carries: our forms' ``form=`` parameter, or a bare
    number."""
    from .services import normalise_number

    text = text.strip()
    found = parse_qs(urlsplit(text).query).get(FORM_PARAMETER, [])
    if not found and NUMBER_IN_TEXT.fullmatch(normalise_number(text)):
        found = [text]
    return [normalise_number(number) for number in found]


def decoded_texts(content: bytes, content_type: str) -> list[str]:
    """The texts of every QR code (or other barcode) on the file's pages."""
    if content_type == PDF:
        return [text for image in _pdf_pages(content) for text in _decode(image)]
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.load()
            return _decode(image)
    except OSError:
        logger.warning("a stored image could not be opened to read its code")
        return []


def numbers_in(content: bytes, content_type: str) -> list[str]:
    """The document numbers the file carries, in its QR codes first, then in its text (a
    form saved as PDF and never printed still has the number in its text layer)."""
    numbers = [number for text in decoded_texts(content, content_type) for number in numbers_in_code(text)]
    if not numbers and content_type == PDF:
        numbers = NUMBER_IN_TEXT.findall(_pdf_text(content))
    return list(dict.fromkeys(numbers))


def read_form(
    content: bytes,
    content_type: str,
    *,
    case: models.Model,
    kind: str = GeneratedDocument.Kind.CESJA_DECLARATION,
) -> FormReading:
    """What the file is a copy of, compared with ``case``'s current form of ``kind``.

    With several numbers on one file (pages of two forms scanned together), the first one that
    is not this case's current form decides: a foreign page must not hide behind a right one.
    """
    from .services import current_form, form_by_number

    numbers = numbers_in(content, content_type)
    if not numbers:
        return FormReading(CodeCheck.NONE)
    current = current_form(case, kind)
    readings = [_reading(number, form_by_number(number), case, current) for number in numbers]
    return next((r for r in readings if r.check != CodeCheck.CURRENT), readings[0])


def _reading(
    number: str, form: GeneratedDocument | None, case: models.Model, current: GeneratedDocument | None
) -> FormReading:
    case_type = ContentType.objects.get_for_model(case)
    if form is None or (form.case_type_id, form.case_id) != (case_type.pk, case.pk):
        # Another case's form, or a number we never issued: either way not this case's paper.
        return FormReading(CodeCheck.OTHER_CASE, number, form)
    if not form.is_current:
        return FormReading(CodeCheck.SUPERSEDED, number, form, current)
    return FormReading(CodeCheck.CURRENT, number, form, current)


def _decode(image: Image.Image) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(image) if code.valid and code.text]


def _pdf_pages(content: bytes) -> list[Image.Image]:
    with tempfile.TemporaryDirectory(prefix="regflow-codes-") as folder:
        stem = Path(folder) / "page"
        try:
            subprocess.run(  # noqa: S603 - fixed arguments; the PDF goes in on stdin
                ["pdftoppm", "-r", str(RESOLUTION), "-gray", "-png", "-f", "1", "-l", str(MAX_PAGES_READ)]
                + ["-", str(stem)],
                input=content,
                check=True,
                capture_output=True,
                timeout=TIME_LIMIT,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            # No code read: the scan is accepted and labelled so, and staff check it by eye.
            logger.warning("pages of a stored PDF could not be rasterised to read its code: %s", exc)
            return []
        pages = []
        for path in sorted(Path(folder).glob("page-*.png")):
            with Image.open(path) as image:
                image.load()
                pages.append(image)
        return pages


def _pdf_text(content: bytes) -> str:
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments; the PDF goes in on stdin
            ["pdftotext", "-l", str(MAX_PAGES_READ), "-", "-"],
            input=content,
            check=True,
            capture_output=True,
            timeout=TIME_LIMIT,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.decode("utf-8", "replace")
