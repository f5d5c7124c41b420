"""Parsing XML that came from the network.

Nothing a peer sends may make us read a file, open a connection or expand entities: the
parser resolves no entities, loads no DTD, never touches the network, keeps libxml2's size
limits, and any document that declares a DOCTYPE at all is refused, since EPP never needs one.
"""

from __future__ import annotations

from lxml import etree

from .results import XmlRefused

# A fresh parser per call: lxml parsers keep state and are not safe to share between threads.
_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


def parse_xml(data: bytes) -> etree._Element:
    """Parse one frame, or raise ``XmlRefused`` saying why without echoing its content."""
    if not isinstance(data, bytes | bytearray):
        raise TypeError("parse_xml takes bytes")
    # Checked before parsing as well as after, so that a DOCTYPE never reaches libxml2's
    # DTD machinery at all when it is spelled plainly.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise XmlRefused("the document declares a DOCTYPE or entities, which EPP does not allow")
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(bytes(data), parser)
    except etree.XMLSyntaxError as exc:
        raise XmlRefused(f"not well-formed XML (line {exc.lineno})") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlRefused("the document declares a DOCTYPE, which EPP does not allow")
    for node in root.iter():
        if isinstance(node, etree._Entity):
            raise XmlRefused("the document contains an entity reference")
    return root
