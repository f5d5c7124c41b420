"""Validating frames against the EPP schemas shipped in ``schemas/``.

One schema set holds the RFC 5730 core and the domain, contact and host mappings (plus the
RFC 8807 login security extension), so the ``<any namespace="##other"/>`` slots of the core
are checked strictly against the object that fills them.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from lxml import etree

from .namespaces import CONTACT, DOMAIN, EPP, EPPCOM, HOST, LOGIN_SEC
from .results import FrameInvalid
from .safexml import parse_xml

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
SCHEMA_FILES = {
    EPPCOM: "eppcom-1.0.xsd",
    EPP: "epp-1.0.xsd",
    HOST: "host-1.0.xsd",
    DOMAIN: "domain-1.0.xsd",
    CONTACT: "contact-1.0.xsd",
    LOGIN_SEC: "loginSec-1.0.xsd",
}

# libxml2 keeps per-validation state on the schema object; one validation at a time.
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    imports = "".join(
        f'<xs:import namespace="{ns}" schemaLocation="{(SCHEMA_DIR / name).as_uri()}"/>'
        for ns, name in SCHEMA_FILES.items()
    )
    driver = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{imports}</xs:schema>'
    # The schema files are ours and trusted; the parser still reads no DTD and no network.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    document = etree.fromstring(driver.encode(), parser, base_url=SCHEMA_DIR.as_uri() + "/")
    return etree.XMLSchema(document)


def frame_errors(frame: bytes | etree._Element) -> list[str]:
    """Every schema error in a frame, each as "line N: element: problem"; empty when valid."""
    root = parse_xml(frame) if isinstance(frame, bytes | bytearray) else frame
    schema = _schema()
    with _lock:
        valid = schema.validate(root)
        log = list(schema.error_log) if not valid else []
    return [_describe(entry) for entry in log]


def validate_frame(frame: bytes | etree._Element) -> None:
    """Raise ``FrameInvalid`` unless the frame matches the schemas."""
    errors = frame_errors(frame)
    if errors:
        raise FrameInvalid(errors)


def _describe(entry: etree._LogEntry) -> str:
    # libxml2 quotes offending values in its messages ("The value 'xyz' ..."); a value may be
    # a password, so only the place and the kind of problem are kept.
    message = entry.message or ""
    element = message.split("'")[1] if message.startswith("Element '") else ""
    element = element.split("}")[-1]
    return f"line {entry.line}: {element or 'document'}: {entry.type_name.lower()}"
