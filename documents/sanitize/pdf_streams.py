"""What a PDF's streams unpack to, measured without holding it: the defence against a file
built to overload whatever opens it (a decompression bomb).

Generic filters (Flate, ASCIIHex, ASCII85, RunLength) are decoded with bounded memory and
their output counted against one budget; image filters are left encoded, since the pixel
limit covers them; any other filter refuses the file rather than pass unmeasured.
"""

from __future__ import annotations

import base64
import re
import zlib

import pikepdf
from django.utils.translation import gettext_lazy as _

from .limits import MB, DocumentRefused, lazy_message, megabytes

# Filters whose output can be many times their input: the ones a bomb is made of.
EXPANDING_FILTERS = frozenset({"/FlateDecode", "/Fl", "/RunLengthDecode", "/RL"})
# Image filters: left encoded; the size of what they show is held by the pixel limit.
IMAGE_FILTERS = frozenset({"/DCTDecode", "/JPXDecode", "/CCITTFaxDecode", "/JBIG2Decode"})

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


class Inflation:
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


def scan_raw_streams(data: bytes, limit: int) -> None:
    """Inflate every zlib stream found in the raw file, counting what it unpacks to.

    Done before qpdf parses anything: qpdf itself inflates object and cross-reference streams
    in memory while it reads the file, so a bomb hidden there must be found from the raw bytes.
    zlib knows where its own data ends, so a lying /Length does not hide anything.
    """
    budget = Inflation(limit)
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


def _decode_run_length(data: bytes, budget: Inflation) -> bytes:
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


def check_stream_content(stream: pikepdf.Stream, budget: Inflation) -> None:
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
