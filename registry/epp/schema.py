"""Validating frames against the EPP schemas shipped in ``schemas/``.

One schema set per dialect: the RFC one holds the RFC 5730 core and the domain, contact and
host mappings (plus the RFC 8807 login security extension); NASK's (``schemas/nask/``) holds
our description of its 2.1 dialect. Each set is compiled as one schema, so the
``<any namespace="##other"/>`` slots of the core are checked strictly against the object that
fills them. A frame is checked against the set its root element's namespace names.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from lxml import etree

from .namespaces import CONTACT, DOMAIN, EPP, EPPCOM, HOST, LOGIN_SEC, NASK, Namespaces, for_frame_root
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

NASK_SCHEMA_DIR = SCHEMA_DIR / "nask"
NASK_SCHEMA_FILES = {
    NASK.eppcom: "eppcom-2.1.xsd",
    NASK.epp: "epp-2.1.xsd",
    NASK.host: "host-2.1.xsd",
    NASK.domain: "domain-2.1.xsd",
    NASK.contact: "contact-2.1.xsd",
    NASK.ext("extcon"): "extcon-2.1.xsd",
    NASK.ext("extdom"): "extdom-2.1.xsd",
    NASK.ext("extepp"): "extepp-2.1.xsd",
}
SCHEMA_SETS = {"rfc": (SCHEMA_DIR, SCHEMA_FILES), "nask": (NASK_SCHEMA_DIR, NASK_SCHEMA_FILES)}

# libxml2 keeps per-validation state on the schema object; one validation at a time.
_lock = threading.Lock()


@lru_cache(maxsize=len(SCHEMA_SETS))
def _schema(dialect: str = "rfc") -> etree.XMLSchema:
    directory, files = SCHEMA_SETS[dialect]
    imports = "".join(
        f'<xs:import namespace="{ns}" schemaLocation="{(directory / name).as_uri()}"/>'
        for ns, name in files.items()
    )
    driver = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{imports}</xs:schema>'
    # The schema files are ours and trusted; the parser still reads no DTD and no network.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    document = etree.fromstring(driver.encode(), parser, base_url=directory.as_uri() + "/")
    return etree.XMLSchema(document)


def frame_errors(frame: bytes | etree._Element, dialect: Namespaces | None = None) -> list[str]:
    """Every schema error in a frame, each as "line N: element: problem"; empty when valid.
    The dialect is the one the frame's root names, unless one is given."""
    root = parse_xml(frame) if isinstance(frame, bytes | bytearray) else frame
    if dialect is None:
        dialect = for_frame_root(etree.QName(root).namespace)
        if dialect is None:
            return ["line 1: epp: the root element is in no EPP namespace we know"]
    schema = _schema(dialect.name)
    with _lock:
        valid = schema.validate(root)
        log = list(schema.error_log) if not valid else []
    return [_describe(entry) for entry in log]


def validate_frame(frame: bytes | etree._Element, dialect: Namespaces | None = None) -> None:
    """Raise ``FrameInvalid`` unless the frame matches the schemas of its dialect."""
    errors = frame_errors(frame, dialect)
    if errors:
        raise FrameInvalid(errors)


def _describe(entry: etree._LogEntry) -> str:
    # libxml2 quotes offending values in its messages ("The value 'xyz' ..."); a value may be
    # a password, so only the place and the kind of problem are kept.
    message = entry.message or ""
    element = message.split("'")[1] if message.startswith("Element '") else ""
    element = element.split("}")[-1]
    return f"line {entry.line}: {element or 'document'}: {entry.type_name.lower()}"
