"""Validating frames of NASK's (.pl) EPP 2.1 dialect against the schemas in ``schemas/nask/``.

NASK speaks EPP in its own namespaces with its own rules (authinfo in every transfer, no
``<domain:null/>``, four transfer states, extcon/extdom/extepp), so its frames are checked
against a schema set of their own, built the same way as the RFC set in ``schema.py``: one
driver schema importing every file, so each ``##other`` slot is checked against the object
that fills it. The RFC set is left untouched.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from lxml import etree

from .results import FrameInvalid
from .safexml import parse_xml
from .schema import _describe

NASK_SCHEMA_DIR = Path(__file__).resolve().parent / "schemas" / "nask"

_BASE = "http://www.dns.pl/nask-epp-schema/"
NASK_EPP = _BASE + "epp-2.1"
NASK_EPPCOM = _BASE + "eppcom-2.1"
NASK_DOMAIN = _BASE + "domain-2.1"
NASK_CONTACT = _BASE + "contact-2.1"
NASK_HOST = _BASE + "host-2.1"
NASK_EXTCON = _BASE + "extcon-2.1"
NASK_EXTDOM = _BASE + "extdom-2.1"
NASK_EXTEPP = _BASE + "extepp-2.1"

NASK_SCHEMA_FILES = {
    NASK_EPPCOM: "eppcom-2.1.xsd",
    NASK_EPP: "epp-2.1.xsd",
    NASK_HOST: "host-2.1.xsd",
    NASK_DOMAIN: "domain-2.1.xsd",
    NASK_CONTACT: "contact-2.1.xsd",
    NASK_EXTCON: "extcon-2.1.xsd",
    NASK_EXTDOM: "extdom-2.1.xsd",
    NASK_EXTEPP: "extepp-2.1.xsd",
}

# libxml2 keeps per-validation state on the schema object; one validation at a time.
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _nask_schema() -> etree.XMLSchema:
    imports = "".join(
        f'<xs:import namespace="{ns}" schemaLocation="{(NASK_SCHEMA_DIR / name).as_uri()}"/>'
        for ns, name in NASK_SCHEMA_FILES.items()
    )
    driver = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{imports}</xs:schema>'
    # The schema files are ours and trusted; the parser still reads no DTD and no network.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    document = etree.fromstring(driver.encode(), parser, base_url=NASK_SCHEMA_DIR.as_uri() + "/")
    return etree.XMLSchema(document)


def nask_frame_errors(frame: bytes | etree._Element) -> list[str]:
    """Every NASK schema error in a frame, each as "line N: element: problem"; empty when valid."""
    root = parse_xml(frame) if isinstance(frame, bytes | bytearray) else frame
    schema = _nask_schema()
    with _lock:
        valid = schema.validate(root)
        log = list(schema.error_log) if not valid else []
    return [_describe(entry) for entry in log]


def validate_nask_frame(frame: bytes | etree._Element) -> None:
    """Raise ``FrameInvalid`` unless the frame matches NASK's schemas."""
    errors = nask_frame_errors(frame)
    if errors:
        raise FrameInvalid(errors)
