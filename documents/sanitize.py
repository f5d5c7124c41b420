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

import base64
import hashlib
import io
import re
import warnings
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pikepdf
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MB = 1024 * 1024

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"

NOT_ACCEPTED = _(
    "This file is not a PDF, JPEG or PNG, whatever its name says. Save the scan or photo in one "
    "of these formats and upload it again."
)


class DocumentRefused(ValidationError):
    """A file we will not take, with a message for the person who sent it.

    A ValidationError, so that a form can take it as it is (``form.add_error("file", exc)``);
    ``str(exc)`` is the message alone, in the language active when it is read.
    """

    def __init__(self, message: str | Promise, code: str = "document_refused") -> None:
        super().__init__(message, code=code)

    def __str__(self) -> str:
        return str(self.message)


def lazy_message(template: str | Promise, **params: Any) -> Promise:
    # Formatted when read, not when raised: the message is translated into the language of
    # whoever reads it (the customer's panel, a log in the product's language).
    return lazy(lambda: str(template) % {key: str(value) for key, value in params.items()}, str)()


def megabytes(size: int) -> str:
    value = size / MB
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


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


def max_upload_bytes() -> int:
    return settings.DOCUMENT_UPLOAD_MAX_BYTES


def too_large(limit: int | None = None) -> DocumentRefused:
    return DocumentRefused(
        lazy_message(
            _(
                "This file is larger than %(limit)s MB, the most we accept for one file. Scan the "
                "pages at a lower resolution (300 dpi is enough) or send them in several files."
            ),
            limit=megabytes(limit if limit is not None else max_upload_bytes()),
        ),
        code="too_large",
    )


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
        content, pages, removed = _clean_pdf(data)
        extension = "pdf"
    elif kind in (JPEG, PNG):
        content, removed = _clean_image(data, kind)
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


# --- images ---------------------------------------------------------------------------------

EXIF_GPS_IFD = 0x8825


def _clean_image(data: bytes, kind: str) -> tuple[bytes, dict[str, Any]]:
    limit = settings.DOCUMENT_MAX_IMAGE_PIXELS
    expected = {JPEG: {"JPEG", "MPO"}, PNG: {"PNG"}}[kind]
    removed: dict[str, Any] = {}
    try:
        # Pillow warns of a decompression bomb above its own pixel limit; here any such
        # warning refuses the file instead of being printed and ignored.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=sorted(expected))
            if image.format not in expected:
                raise DocumentRefused(NOT_ACCEPTED, code="not_accepted")
            width, height = image.size
            # Checked from the header, before a single pixel is decoded: the decoded image is
            # what would take the memory (a 30000 x 30000 PNG of zeros is a few hundred kB).
            if width * height > limit:
                raise _too_many_pixels(width, height, limit)
            frames = getattr(image, "n_frames", 1)
            if frames > 1:
                # Phones write extra frames (MPO depth maps, previews); the first is the photo.
                image.seek(0)
                removed["extra_frames"] = frames - 1
            exif = image.getexif()
            if exif:
                removed["exif"] = True
                if EXIF_GPS_IFD in exif:
                    removed["gps_location"] = True
            if image.info.get("icc_profile"):
                removed["icc_profile"] = True
            if kind == PNG and getattr(image, "text", None):
                removed["text_chunks"] = len(image.text)
            dpi = _usable_dpi(image.info.get("dpi"))
            image.load()
        # Turned the way the camera says, since the EXIF that says so is about to go.
        ImageOps.exif_transpose(image, in_place=True)
        image = _plain_mode(image)
        # Nothing of the sender's metadata is carried into the new file: Pillow writes an ICC
        # profile or a comment found in ``info``, so the new image starts with an empty one.
        image.info = {}
        out = io.BytesIO()
        # The resolution says how large the page was; staff need it to print at true size.
        options: dict[str, Any] = {"dpi": dpi} if dpi else {}
        if kind == JPEG:
            image.save(out, "JPEG", quality=90, optimize=True, **options)
        else:
            image.save(out, "PNG", **options)
    except DocumentRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(*_header_size(data), limit) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise DocumentRefused(
            _(
                "This image is damaged or incomplete and cannot be opened. Take the photo or scan "
                "again and upload the new file."
            ),
            code="damaged",
        ) from exc
    return out.getvalue(), removed


def _usable_dpi(value: Any) -> tuple[int, int] | None:
    try:
        x, y = (round(float(v)) for v in value)
    except (TypeError, ValueError, OverflowError):
        return None
    return (x, y) if 1 <= x <= 10_000 and 1 <= y <= 10_000 else None


def _plain_mode(image: Image.Image) -> Image.Image:
    """Greyscale or RGB: the modes every viewer shows the same way."""
    if image.mode in ("RGB", "L"):
        return image
    if image.mode == "1":
        return image.convert("L")
    if image.mode.startswith("I"):
        # 16-bit greyscale scans: scaled down, since converting straight to L clips them white.
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Transparency over white, as the page it shows was.
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _header_size(data: bytes) -> tuple[int, int]:
    # Pillow refuses a bomb before handing back the image; the size for the message comes
    # from the header (PNG: IHDR) where it is at a fixed place.
    if data.startswith(b"\x89PNG") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return 0, 0


def _too_many_pixels(width: int, height: int, limit: int) -> DocumentRefused:
    return DocumentRefused(
        lazy_message(
            _(
                "This image is %(width)s x %(height)s pixels, more than the %(limit)s megapixels we "
                "accept. Scan the pages at a lower resolution (300 dpi is enough) and upload them "
                "again."
            ),
            width=width,
            height=height,
            limit=f"{limit / 1_000_000:g}",
        ),
        code="too_many_pixels",
    )


# --- PDF ------------------------------------------------------------------------------------

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
# Filters whose output can be many times their input: the ones a bomb is made of.
EXPANDING_FILTERS = frozenset({"/FlateDecode", "/Fl", "/RunLengthDecode", "/RL"})
# Image filters: left encoded; the size of what they show is held by the pixel limit.
IMAGE_FILTERS = frozenset({"/DCTDecode", "/JPXDecode", "/CCITTFaxDecode", "/JBIG2Decode"})
# A PDF nests dictionaries and arrays; a file nesting deeper than any real one is a trap for
# the walk below (Python's recursion limit), not a document.
MAX_NESTING = 100

STREAM_KEYWORD = re.compile(rb"(?<![A-Za-z])stream[ \t\r\n]+")
INFLATE_STEP = MB

DAMAGED_PDF = _(
    "This PDF is damaged and cannot be read. Open it, save or print it again as a PDF and upload "
    "the new file."
)


def _too_much_content(limit: int) -> DocumentRefused:
    return DocumentRefused(
        lazy_message(
            _(
                "This PDF unpacks to more than %(limit)s MB, far more than scanned pages need; it "
                "may be built to overload the systems that open it. Scan the pages again and "
                "upload the new file."
            ),
            limit=megabytes(limit),
        ),
        code="inflates_too_much",
    )


class _Inflation:
    """Counts decompressed bytes against one budget, without ever holding them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.total = 0

    def add(self, size: int) -> None:
        self.total += size
        if self.total > self.limit:
            raise _too_much_content(self.limit)

    def inflate(self, data: bytes | memoryview) -> bytes:
        """Inflate zlib data, keeping at most the first INFLATE_STEP bytes (for a filter that
        follows); the rest is only counted. Data that stops being valid zlib ends the count:
        readers give up at the same place, and the damage is theirs to report."""
        decoder = zlib.decompressobj()
        view = memoryview(data)
        kept = b""
        try:
            for start in range(0, len(view), INFLATE_STEP):
                chunk: bytes | memoryview = view[start : start + INFLATE_STEP]
                while chunk:
                    out = decoder.decompress(chunk, INFLATE_STEP)
                    self.add(len(out))
                    if len(kept) < INFLATE_STEP:
                        kept += out[: INFLATE_STEP - len(kept)]
                    chunk = decoder.unconsumed_tail
                if decoder.eof:
                    break
        except zlib.error:
            pass
        return kept


def _looks_like_zlib(header: bytes) -> bool:
    # RFC 1950: deflate method (8) in the low bits of the first byte, and a check on the first two.
    return len(header) == 2 and header[0] & 0x0F == 8 and (header[0] << 8 | header[1]) % 31 == 0


def _scan_raw_streams(data: bytes, limit: int) -> None:
    """Inflate every zlib stream found in the raw file, counting what it unpacks to.

    Done before qpdf parses anything: qpdf itself inflates object and cross-reference streams
    in memory while it reads the file, so a bomb hidden there must be found from the raw bytes.
    zlib knows where its own data ends, so a lying /Length does not hide anything.
    """
    budget = _Inflation(limit)
    for match in STREAM_KEYWORD.finditer(data):
        start = match.end()
        if _looks_like_zlib(data[start : start + 2]):
            budget.inflate(memoryview(data)[start:])


def _filters(stream: pikepdf.Stream) -> list[str]:
    value = stream.get("/Filter")
    if value is None:
        return []
    if isinstance(value, pikepdf.Array):
        return [str(item) for item in value]
    return [str(value)]


def _decode_ascii_hex(data: bytes) -> bytes:
    text = re.sub(rb"\s", b"", data).split(b">", 1)[0]
    if len(text) % 2:
        text += b"0"
    return base64.b16decode(text, casefold=True)


def _decode_ascii85(data: bytes) -> bytes:
    text = re.sub(rb"\s", b"", data)
    text = text.removeprefix(b"<~").split(b"~>", 1)[0]
    return base64.a85decode(text)


def _decode_run_length(data: bytes, budget: _Inflation) -> bytes:
    out = bytearray()
    i = 0
    while i < len(data):
        length = data[i]
        if length == 128:
            break
        if length < 128:
            out += data[i + 1 : i + 2 + length]
            i += length + 2
        else:
            out += data[i + 1 : i + 2] * (257 - length)
            i += 2
        if len(out) > INFLATE_STEP:
            budget.add(len(out))
            out.clear()
    budget.add(len(out))
    # What a following filter would read; only a count is needed from a long run.
    return bytes(out[:INFLATE_STEP])


def _unsupported_filter(name: str) -> DocumentRefused:
    return DocumentRefused(
        lazy_message(
            _(
                "This PDF uses a kind of compression we do not accept (%(filter)s). "
                "Print it to a new PDF and upload that file."
            ),
            filter=name,
        ),
        code="unsupported_filter",
    )


def _check_stream_content(stream: pikepdf.Stream, budget: _Inflation) -> None:
    """Decode the stream's generic filters with bounded memory, counting the output.

    The image filters are left encoded (the pixel limit covers them); filters we cannot
    decode within bounds refuse the file rather than pass unmeasured.
    """
    filters = _filters(stream)
    if not filters or filters[0] in IMAGE_FILTERS:
        return
    expanding = [name for name in filters if name in EXPANDING_FILTERS]
    if len(expanding) > 1:
        # Only the first expansion is measured in full (what follows it is kept to a sample),
        # and no scanner or printer driver compresses twice.
        raise _unsupported_filter(" + ".join(name.lstrip("/") for name in filters))
    data: bytes = stream.read_raw_bytes()
    for name in filters:
        if name in IMAGE_FILTERS:
            return
        try:
            if name in ("/FlateDecode", "/Fl"):
                data = budget.inflate(data)
            elif name in ("/ASCIIHexDecode", "/AHx"):
                data = _decode_ascii_hex(data)
                budget.add(len(data))
            elif name in ("/ASCII85Decode", "/A85"):
                data = _decode_ascii85(data)
                budget.add(len(data))
            elif name in ("/RunLengthDecode", "/RL"):
                data = _decode_run_length(data, budget)
            else:
                raise _unsupported_filter(name.lstrip("/"))
        except (ValueError, TypeError) as exc:  # binascii.Error is a ValueError
            raise DocumentRefused(DAMAGED_PDF, code="damaged") from exc


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
        self.budget = _Inflation(settings.DOCUMENT_MAX_INFLATED_BYTES)

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
                raise _too_many_pixels(width, height, self.max_pixels)
        _check_stream_content(stream, self.budget)

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


def _clean_pdf(data: bytes) -> tuple[bytes, int, dict[str, Any]]:
    inflate_limit = settings.DOCUMENT_MAX_INFLATED_BYTES
    _scan_raw_streams(data, inflate_limit)
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
