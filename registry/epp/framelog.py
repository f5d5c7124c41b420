"""The support frame log: every frame sent and received, appended to one file, with every
password and authInfo replaced before it is written."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from .results import XmlRefused
from .safexml import parse_xml

REDACTED = "[redacted]"
# Local names, whatever the namespace: epp:pw, epp:newPW, domain:pw, contact:pw, loginSec:pw...
_SECRET_ELEMENTS = frozenset({"pw", "newPW"})


def redact(frame: bytes) -> str:
    """The frame as text with secrets replaced. A frame that cannot be parsed is not shown at
    all, since we cannot tell where a secret in it would be."""
    try:
        root = parse_xml(frame)
    except XmlRefused:
        return f"<!-- {len(frame)} bytes that are not well-formed XML; not shown -->"
    for element in root.iter(etree.Element):
        local = etree.QName(element).localname
        if local in _SECRET_ELEMENTS:
            _blank(element)
        elif local == "authInfo":
            # covers <ext> authInfo forms too, whatever they hold
            for child in element:
                _blank(child)
    return etree.tostring(root, encoding="unicode")


def _blank(element: etree._Element) -> None:
    for child in list(element):
        element.remove(child)
    element.text = REDACTED
    element.attrib.clear()


class FrameLog:
    """Appends frames to ``path``; safe to share between threads and clients."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def record(self, direction: str, frame: bytes, *, peer: str) -> None:
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
        text = f"=== {stamp} {direction} {peer} ({len(frame)} bytes)\n{redact(frame)}\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(text)
