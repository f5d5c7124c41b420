"""Rendering our forms to PDF: Django templates in, archival PDF bytes out.

WeasyPrint runs in one long-lived child process per worker (``engine.py``), not in the
worker itself and not in a new process per form:

* a form costs ~0.1 s in a warm process, while importing WeasyPrint and loading the fonts
  alone takes over a second;
* a document that runs away (time or memory) is stopped by killing that child, which the
  worker's own code could not do to itself, and the worker carries on with a fresh one;
* the child gets no database connection, no settings and no secrets in its environment, and
  its URL fetcher serves nothing but the files under ``documents/assets/``.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import select
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

__all__ = [
    "ASSET_DIR",
    "PDF_VARIANT",
    "AssetURLFetcher",
    "PdfRenderer",
    "RenderError",
    "RenderFailed",
    "RenderTimeout",
    "get_renderer",
    "html_to_pdf",
    "render_template_to_pdf",
]

logger = logging.getLogger("documents.rendering")

# Archival PDF with Unicode text maps: staff and auditors must be able to search and copy the
# names in a form years from now. A-3u rather than A-2u so that a later attachment (e.g. the
# form's data as XML) stays within the same conformance level.
PDF_VARIANT = "pdf/a-3u"
ENGINE = Path(__file__).resolve().with_name("engine.py")
# As engine.FRAME_LENGTH; repeated so that the web process need not import WeasyPrint.
_FRAME_LENGTH = struct.Struct(">I")

ASSET_DIR = Path(__file__).resolve().parent.parent / "assets"
DEFAULT_TIME_LIMIT = 20.0
DEFAULT_MEMORY_LIMIT_MB = 768
# Restart the child now and then, as a pool's maxtasksperchild would: fragmentation and
# caches in Pango and fontconfig only ever grow.
DEFAULT_MAX_RENDERS = 500
# The child imports WeasyPrint and renders a warm-up page before it is ready.
START_TIMEOUT = 60.0
# What the child may see of our environment: enough for fontconfig and Pango, no secrets.
_CHILD_ENV_KEYS = (
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TMPDIR",
    "FONTCONFIG_FILE",
    "FONTCONFIG_PATH",
)


class RenderError(Exception):
    """A form could not be rendered."""


class RenderTimeout(RenderError):
    """The render took longer than the time limit; the render process was stopped."""


class RenderFailed(RenderError):
    """The render process reported an error, ran out of memory or died."""


class _ChildGone(Exception):
    pass


class PdfRenderer:
    """Renders HTML to PDF in a warm child process, with a time and a memory limit per render.

    Thread-safe (one render at a time per renderer) and fork-aware: a process forked from
    one that already had a child starts its own instead of sharing the pipes.
    """

    def __init__(
        self,
        *,
        asset_dir: str | os.PathLike[str] = ASSET_DIR,
        time_limit: float | None = None,
        memory_limit_mb: int | None = None,
        max_renders: int = DEFAULT_MAX_RENDERS,
        pdf_variant: str | None = PDF_VARIANT,
    ) -> None:
        self.asset_dir = Path(asset_dir).resolve()
        self.time_limit = float(
            time_limit
            if time_limit is not None
            else getattr(settings, "DOCUMENTS_RENDER_TIME_LIMIT", DEFAULT_TIME_LIMIT)
        )
        self.memory_limit_mb = int(
            memory_limit_mb
            if memory_limit_mb is not None
            else getattr(settings, "DOCUMENTS_RENDER_MEMORY_MB", DEFAULT_MEMORY_LIMIT_MB)
        )
        self.max_renders = max_renders
        self.pdf_variant = pdf_variant
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._owner_pid = 0
        self._renders = 0
        # How many child processes this renderer has started: the benchmark and tests read it.
        self.starts = 0

    # --- public API ---------------------------------------------------------------------

    def render_template(self, template_name: str, context: Mapping[str, Any], *, language: str) -> bytes:
        """Render a Django template in ``language`` and that HTML to PDF bytes."""
        with translation.override(language):
            html = render_to_string(template_name, dict(context))
        return self.render_html(html)

    def render_html(self, html: str) -> bytes:
        with self._lock:
            try:
                return self._render(html)
            except _ChildGone:
                # The child died between two renders (killed, recycled by the OS): once more
                # with a fresh one. A death during this render is reported, not retried.
                self._discard()
                return self._render(html)

    @property
    def pid(self) -> int | None:
        """The warm child's process id, if one is running."""
        proc = self._own_proc()
        return proc.pid if proc is not None and proc.poll() is None else None

    def close(self) -> None:
        with self._lock:
            self._stop()

    # --- the child ----------------------------------------------------------------------

    def _render(self, html: str) -> bytes:
        proc = self._ensure_child()
        try:
            raw = json.dumps({"html": html, "pdf_variant": self.pdf_variant}).encode()
            frame = memoryview(_FRAME_LENGTH.pack(len(raw)) + raw + _FRAME_LENGTH.pack(0))
            while frame:
                frame = frame[proc.stdin.write(frame) :]
        except (BrokenPipeError, OSError) as exc:
            raise _ChildGone from exc
        started = time.monotonic()
        try:
            header, pdf = self._read_frame(proc, started + self.time_limit)
        except TimeoutError:
            self._stop()
            raise RenderTimeout(
                f"Rendering the PDF took longer than {self.time_limit:g} s; the render process "
                "was stopped and a new one will serve the next form."
            ) from None
        except EOFError:
            code = proc.wait()
            self._discard()
            raise RenderFailed(
                f"The render process ended during the render (exit status {code}); "
                "a new one will serve the next form."
            ) from None
        self._renders += 1
        for url in header.get("refused", ()):
            logger.warning("PDF rendering refused to fetch %s: not one of our assets", url)
        for message in header.get("warnings", ()):
            logger.info("WeasyPrint: %s", message)
        if not header.get("ok"):
            if header.get("error") == "memory":
                self._stop()
                raise RenderFailed(
                    f"Rendering the PDF needed more than {self.memory_limit_mb} MB; "
                    "the render process was stopped."
                )
            raise RenderFailed(f"Rendering the PDF failed: {header.get('error')}: {header.get('message')}")
        if self.max_renders and self._renders >= self.max_renders:
            self._stop()
        logger.debug("Rendered a PDF of %d bytes in %.0f ms", len(pdf), (time.monotonic() - started) * 1000)
        return pdf

    def _own_proc(self) -> subprocess.Popen[bytes] | None:
        if self._proc is not None and self._owner_pid != os.getpid():
            # Forked: the pipes belong to the parent's renderer; leave its child alone.
            self._proc = None
        return self._proc

    def _ensure_child(self) -> subprocess.Popen[bytes]:
        proc = self._own_proc()
        if proc is not None and proc.poll() is None:
            return proc
        self._discard()
        env = {key: os.environ[key] for key in _CHILD_ENV_KEYS if key in os.environ}
        proc = subprocess.Popen(
            [
                sys.executable,
                "-I",  # isolated: neither PYTHONPATH nor the current directory is imported from
                str(ENGINE),
                str(self.asset_dir),
                str(self.memory_limit_mb * 1024 * 1024),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            bufsize=0,
            close_fds=True,
        )
        self._proc, self._owner_pid, self._renders = proc, os.getpid(), 0
        self.starts += 1
        try:
            header, _ = self._read_frame(proc, time.monotonic() + START_TIMEOUT)
        except (TimeoutError, EOFError):
            self._stop()
            raise RenderFailed("The render process did not start; see its error output above.") from None
        if not header.get("ready"):
            self._stop()
            raise RenderFailed(f"The render process did not start: {header}")
        return proc

    def _read_frame(self, proc: subprocess.Popen[bytes], deadline: float) -> tuple[dict[str, Any], bytes]:
        fd = proc.stdout.fileno()

        def read_exact(size: int) -> bytes:
            chunks: list[bytes] = []
            while size:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                    raise TimeoutError
                chunk = os.read(fd, min(size, 1 << 20))
                if not chunk:
                    raise EOFError
                chunks.append(chunk)
                size -= len(chunk)
            return b"".join(chunks)

        header = json.loads(read_exact(_FRAME_LENGTH.unpack(read_exact(4))[0]))
        payload = read_exact(_FRAME_LENGTH.unpack(read_exact(4))[0])
        return header, payload

    def _stop(self) -> None:
        proc = self._own_proc()
        if proc is not None:
            proc.kill()
            proc.wait()
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()
        self._proc = None

    def _discard(self) -> None:
        proc = self._own_proc()
        if proc is not None and proc.poll() is None:
            self._stop()
            return
        if proc is not None:
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()
        self._proc = None


_renderer: PdfRenderer | None = None
_renderer_lock = threading.Lock()


def get_renderer() -> PdfRenderer:
    """The process's shared warm renderer (one child process per worker process)."""
    global _renderer
    with _renderer_lock:
        if _renderer is None:
            _renderer = PdfRenderer()
            atexit.register(_renderer.close)
        return _renderer


def render_template_to_pdf(template_name: str, context: Mapping[str, Any], *, language: str) -> bytes:
    return get_renderer().render_template(template_name, context, language=language)


def __getattr__(name: str) -> Any:
    # The in-process pieces of the engine, for tests and tools; imported on first use so that
    # a web process that never renders does not load WeasyPrint.
    if name in ("AssetURLFetcher", "html_to_pdf"):
        from . import engine

        return getattr(engine, name)
    raise AttributeError(name)
