"""The XML namespaces EPP frames use (RFC 5730-5733, RFC 8807)."""

from __future__ import annotations

EPP = "urn:ietf:params:xml:ns:epp-1.0"
EPPCOM = "urn:ietf:params:xml:ns:eppcom-1.0"
DOMAIN = "urn:ietf:params:xml:ns:domain-1.0"
CONTACT = "urn:ietf:params:xml:ns:contact-1.0"
HOST = "urn:ietf:params:xml:ns:host-1.0"
LOGIN_SEC = "urn:ietf:params:xml:ns:epp:loginSec-1.0"

PREFIXES = {"epp": EPP, "domain": DOMAIN, "contact": CONTACT, "host": HOST, "loginSec": LOGIN_SEC}


def q(namespace: str, local: str) -> str:
    """Clark notation, as lxml spells qualified names."""
    return f"{{{namespace}}}{local}"
