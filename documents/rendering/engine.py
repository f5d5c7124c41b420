"""The WeasyPrint side of rendering: HTML in, PDF bytes out, touching nothing but our assets.

This module must not import Django: it is also the program of the warm render process
(``python -I engine.py ASSET_DIR``), which should start fast and hold no database
connection, no settings and no secrets. The parent (``documents.rendering``) speaks to it
over its stdin and stdout with length-prefixed frames.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import resource
import signal
import struct
import sys
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger("documents.rendering")

ASSET_SCHEME = "file"
# Frames: a 4-byte length and a JSON header, then a 4-byte length and the payload (the PDF).
FRAME_LENGTH = struct.Struct(">I")


class RefusedURL(ValueError):
    """A URL the renderer will not fetch. WeasyPrint catches it and leaves the resource out."""


class AssetURLFetcher(URLFetcher):
    """Serves files under one directory and refuses every other URL.

    WeasyPrint's default fetcher opens any ``file://`` path and any network URL, so a
    template (or a value put into one) could embed ``/etc/passwd`` or make the server call an
    internal address. Templates refer to assets by relative URLs, resolved against the asset
    directory's ``file://`` URL, and this fetcher serves only those that stay inside it.
    """

    def __init__(self, asset_dir: str | os.PathLike[str]) -> None:
        super().__init__(timeout=1, allowed_protocols=(ASSET_SCHEME,), allow_redirects=False)
        self.asset_dir = Path(asset_dir).resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
        path = self._asset_path(url)
        if path is None:
            self.refused.append(url)
            logger.warning("PDF rendering refused to fetch %s: not one of our assets", url)
            raise RefusedURL(f"Refused: {url} is not one of the project's assets")
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), headers={"Content-Type": _mime(path)})

    def _asset_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme != ASSET_SCHEME or parts.netloc not in ("", "localhost"):
            return None
        # resolve() follows symlinks and "..", so neither can lead out of the directory.
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.asset_dir) or not path.is_file():
            return None
        return path


def _mime(path: Path) -> str:
    return {
        ".css": "text/css",
        ".svg": "image/svg+xml",
        ".png": "image/png",
        ".ttf": "font/ttf",
        ".otf": "font/otf",
        ".woff2": "font/woff2",
    }.get(path.suffix.lower(), "application/octet-stream")


def html_to_pdf(
    html: str, asset_dir: str | os.PathLike[str], *, pdf_variant: str | None
) -> tuple[bytes, list[str]]:
    """Render ``html`` to PDF bytes; returns them with the URLs that were refused."""
    fetcher = AssetURLFetcher(asset_dir)
    base_url = fetcher.asset_dir.as_uri() + "/"
    # A fresh FontConfiguration per document: it holds the @font-face rules of one document.
    pdf = HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
        font_config=FontConfiguration(), pdf_variant=pdf_variant
    )
    return pdf, fetcher.refused


# --- the warm render process ------------------------------------------------------------


def write_frame(stream: BinaryIO, header: dict[str, Any], payload: bytes = b"") -> None:
    raw = json.dumps(header).encode()
    stream.write(FRAME_LENGTH.pack(len(raw)) + raw + FRAME_LENGTH.pack(len(payload)) + payload)
    stream.flush()


def _read_exact(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError
    return data


def read_frame(stream: BinaryIO) -> tuple[dict[str, Any], bytes]:
    header = json.loads(_read_exact(stream, FRAME_LENGTH.unpack(_read_exact(stream, 4))[0]))
    payload = _read_exact(stream, FRAME_LENGTH.unpack(_read_exact(stream, 4))[0])
    return header, payload


class _Collect(logging.Handler):
    """Keeps WeasyPrint's warnings of one render, to be logged by the parent."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def serve(asset_dir: str, memory_limit: int) -> None:
    """Render requests from stdin until it closes; one request at a time."""
    if memory_limit > 0:
        # Address space, not resident size: it is what the kernel can refuse up front, so a
        # runaway document ends in a MemoryError here instead of the OOM killer's choice.
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    # Ctrl-C in a terminal reaches the whole process group; the parent decides when we end
    # (it closes our stdin), so a development server's restart leaves no traceback here.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stdin = sys.stdin.buffer
    # The frames get a descriptor of their own and fd 1 points at stderr: whatever a C library
    # (fontconfig, Pango) or Python code prints cannot corrupt them.
    stdout = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    collect = _Collect()
    logging.getLogger("weasyprint").addHandler(collect)
    logging.getLogger("weasyprint").propagate = False
    logger.addHandler(collect)
    logger.propagate = False
    # Warm up: load Pango, fontconfig's cache and the fonts before the first real form.
    html_to_pdf('<p style="font-family: DejaVu Sans">Zażółć</p>', asset_dir, pdf_variant="pdf/a-3u")
    write_frame(stdout, {"ready": True, "pid": os.getpid()})
    # Kept in reserve and freed when memory runs out, so that there is room to report it.
    reserve = [bytearray(8 << 20)]
    try:
        while True:
            try:
                request, _ = read_frame(stdin)
            except EOFError:
                return
            collect.messages = []
            try:
                pdf, refused = html_to_pdf(request["html"], asset_dir, pdf_variant=request.get("pdf_variant"))
            except MemoryError:
                raise
            except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises RenderFailed
                write_frame(stdout, {"ok": False, "error": type(exc).__name__, "message": str(exc)})
                continue
            warnings = [m for m in collect.messages if "refused to fetch" not in m]
            write_frame(stdout, {"ok": True, "refused": refused, "warnings": warnings}, pdf)
    except MemoryError:
        reserve.clear()
        gc.collect()
        write_frame(stdout, {"ok": False, "error": "memory", "message": "memory limit exceeded"})
        # The heap may be fragmented past use: end here, the parent starts a fresh process.
        return


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
