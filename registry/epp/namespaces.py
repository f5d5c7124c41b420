"""The XML namespaces EPP frames use.

A registry speaks EPP in one set of namespaces: the RFC ones (RFC 5730-5733, RFC 8807), or a
registry's own, as NASK (.pl) does with ``http://www.dns.pl/nask-epp-schema/*-2.1``. A frame
says which set it is in by its root element, so a reader finds the set from the frame alone
(``for_frame_root``); a writer is given one (``registry.epp.frames``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


# eq=False: each dialect is one object, compared and hashed by identity
@dataclass(frozen=True, eq=False)
class Namespaces:
    name: str  # how support staff and settings call the dialect: "rfc", "nask"
    epp: str
    eppcom: str
    domain: str
    contact: str
    host: str
    # extensions by the prefix frames give them: "loginSec", "extcon", "extdom", ...
    extensions: Mapping[str, str] = field(default_factory=dict)

    def ext(self, prefix: str) -> str:
        return self.extensions[prefix]

    @property
    def prefixes(self) -> dict[str, str]:
        return {
            "epp": self.epp,
            "domain": self.domain,
            "contact": self.contact,
            "host": self.host,
            **self.extensions,
        }


RFC = Namespaces(
    name="rfc",
    epp="urn:ietf:params:xml:ns:epp-1.0",
    eppcom="urn:ietf:params:xml:ns:eppcom-1.0",
    domain="urn:ietf:params:xml:ns:domain-1.0",
    contact="urn:ietf:params:xml:ns:contact-1.0",
    host="urn:ietf:params:xml:ns:host-1.0",
    extensions={"loginSec": "urn:ietf:params:xml:ns:epp:loginSec-1.0"},
)

_NASK_BASE = "http://www.dns.pl/nask-epp-schema/"
NASK = Namespaces(
    name="nask",
    epp=f"{_NASK_BASE}epp-2.1",
    eppcom=f"{_NASK_BASE}eppcom-2.1",
    domain=f"{_NASK_BASE}domain-2.1",
    contact=f"{_NASK_BASE}contact-2.1",
    host=f"{_NASK_BASE}host-2.1",
    extensions={
        "extcon": f"{_NASK_BASE}extcon-2.1",
        "extdom": f"{_NASK_BASE}extdom-2.1",
        "extepp": f"{_NASK_BASE}extepp-2.1",
    },
)

DIALECTS: dict[str, Namespaces] = {ns.name: ns for ns in (RFC, NASK)}
_BY_ROOT = {ns.epp: ns for ns in DIALECTS.values()}


def for_frame_root(namespace: str | None) -> Namespaces | None:
    """The namespace set whose ``<epp>`` element lives in ``namespace``; None if unknown."""
    return _BY_ROOT.get(namespace or "")


# The RFC names, as most of the code and the tests spell them.
EPP = RFC.epp
EPPCOM = RFC.eppcom
DOMAIN = RFC.domain
CONTACT = RFC.contact
HOST = RFC.host
LOGIN_SEC = RFC.ext("loginSec")

PREFIXES = {"epp": EPP, "domain": DOMAIN, "contact": CONTACT, "host": HOST, "loginSec": LOGIN_SEC}


def q(namespace: str, local: str) -> str:
    """Clark notation, as lxml spells qualified names."""
    return f"{{{namespace}}}{local}"
