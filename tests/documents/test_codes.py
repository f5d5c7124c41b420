"""documents.codes: the document number read off a stored file, by its QR code or its text."""

from __future__ import annotations

import io

import segno
from PIL import Image

from documents.codes import numbers_in, numbers_in_code
from documents.sanitize import JPEG, PDF, PNG

QR_OF_FORM = "https://panel.example.pl/staff/cesje/12/?form=CES/2026/000012/3"


def page_with_qr(text: str, *, kind: str) -> bytes:
    """An A4 page at 150 dpi with the QR code in its corner, as a scanner or a phone gives it."""
    page = Image.new("RGB", (1240, 1754), "white")
    code = io.BytesIO()
    segno.make(text, error="m", micro=False).save(code, kind="png", scale=5, border=2)
    page.paste(Image.open(code).convert("RGB"), (950, 80))
    out = io.BytesIO()
    if kind == PDF:
        page.save(out, format="PDF", resolution=150.0)
    else:
        page.save(out, format="JPEG" if kind == JPEG else "PNG", quality=85)
    return out.getvalue()


def test_the_number_comes_from_our_forms_address_or_a_bare_number():
    assert numbers_in_code(QR_OF_FORM) == ["CES/2026/000012/3"]
    assert numbers_in_code(" ces/2026/000012/3 ") == ["CES/2026/000012/3"]
    # A form issued before the QR code named its version, or anyone else's code: no number.
    assert numbers_in_code("https://panel.example.pl/staff/cesje/12/") == []
    assert numbers_in_code("https://example.com/?q=1") == []


def test_the_code_is_read_off_scanned_pdfs_and_photos():
    for kind in (PDF, JPEG, PNG):
        assert numbers_in(page_with_qr(QR_OF_FORM, kind=kind), kind) == ["CES/2026/000012/3"], kind
    blank = io.BytesIO()
    Image.new("RGB", (800, 1100), "white").save(blank, format="PNG")
    assert numbers_in(blank.getvalue(), PNG) == []
