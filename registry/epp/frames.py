"""Building EPP command frames (RFC 5730 core, RFC 5731 domain, RFC 5733 contact).

Each builder returns the UTF-8 bytes of one complete ``<epp>`` document carrying the
``clTRID`` it is given. Builders check what the schemas cannot express and nothing more;
``schema.validate_frame`` checks the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lxml import etree

from .data import ContactData
from .namespaces import CONTACT, DOMAIN, EPP, LOGIN_SEC, q
from .results import ClientConfigurationError

TRANSFER_OPS = ("request", "query", "approve", "reject", "cancel")
# RFC 5730 pwType; a longer password travels in the RFC 8807 extension behind this sentinel.
BASE_PW_MIN, BASE_PW_MAX = 6, 16
LOGIN_SECURITY_SENTINEL = "[LOGIN-SECURITY]"


def _root() -> etree._Element:
    return etree.Element(q(EPP, "epp"), nsmap={None: EPP})


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=False)


def _check_cl_trid(cl_trid: str) -> str:
    if not 3 <= len(cl_trid) <= 64 or cl_trid != cl_trid.strip() or any(c.isspace() for c in cl_trid):
        raise ValueError("a clTRID has 3 to 64 characters and no spaces")
    return cl_trid


def _command(build_body, cl_trid: str) -> bytes:
    root = _root()
    command = etree.SubElement(root, q(EPP, "command"))
    build_body(command)
    etree.SubElement(command, q(EPP, "clTRID")).text = _check_cl_trid(cl_trid)
    return _serialize(root)


def _sub(
    parent: etree._Element, ns: str, local: str, text: str | None = None, **attrs: str
) -> etree._Element:
    element = etree.SubElement(parent, q(ns, local), **attrs)
    if text is not None:
        element.text = text
    return element


def _object(parent: etree._Element, ns: str, prefix: str, local: str) -> etree._Element:
    return etree.SubElement(parent, q(ns, local), nsmap={prefix: ns})


def _auth_info(parent: etree._Element, ns: str, authinfo: str, *, roid: str | None = None) -> None:
    if not authinfo:
        raise ValueError("an authInfo cannot be empty")
    pw = _sub(_sub(parent, ns, "authInfo"), ns, "pw", authinfo)
    if roid:
        # RFC 5733 3.1.2: the authInfo of an associated object (the domain), named by its ROID
        pw.set("roid", roid)


# ----------------------------------------------------------------------- session


def hello() -> bytes:
    root = _root()
    etree.SubElement(root, q(EPP, "hello"))
    return _serialize(root)


def _fits_base_pw(password: str) -> bool:
    return BASE_PW_MIN <= len(password) <= BASE_PW_MAX


def login(
    client_id: str,
    password: str,
    *,
    cl_trid: str,
    new_password: str | None = None,
    lang: str = "en",
    object_uris: Sequence[str] = (DOMAIN, CONTACT),
    extension_uris: Sequence[str] = (),
    login_security: bool = False,
    user_agent: str | None = None,
) -> bytes:
    """``<login>``. With ``login_security`` (the server offers RFC 8807), a password that does
    not fit RFC 5730's 6-16 characters travels in ``<loginSec:pw>`` and ``<pw>`` carries the
    sentinel; without it such a password cannot be sent at all."""
    passwords = {"pw": password, "newPW": new_password}
    relocated = {k: v for k, v in passwords.items() if v is not None and not _fits_base_pw(v)}
    if relocated and not login_security:
        raise ClientConfigurationError(
            "the registry password must have 6 to 16 characters unless the registry offers "
            "RFC 8807 login security, and this one does not"
        )
    if any(v == LOGIN_SECURITY_SENTINEL for v in passwords.values()):
        raise ClientConfigurationError(f"{LOGIN_SECURITY_SENTINEL} is reserved and cannot be a password")
    ext_uris = list(extension_uris)
    if relocated and LOGIN_SEC not in ext_uris:
        ext_uris.append(LOGIN_SEC)

    def body(command: etree._Element) -> None:
        login_el = _sub(command, EPP, "login")
        _sub(login_el, EPP, "clID", client_id)
        _sub(login_el, EPP, "pw", LOGIN_SECURITY_SENTINEL if "pw" in relocated else password)
        if new_password is not None:
            _sub(login_el, EPP, "newPW", LOGIN_SECURITY_SENTINEL if "newPW" in relocated else new_password)
        options = _sub(login_el, EPP, "options")
        _sub(options, EPP, "version", "1.0")
        _sub(options, EPP, "lang", lang)
        svcs = _sub(login_el, EPP, "svcs")
        for uri in object_uris:
            _sub(svcs, EPP, "objURI", uri)
        if ext_uris:
            svc_ext = _sub(svcs, EPP, "svcExtension")
            for uri in ext_uris:
                _sub(svc_ext, EPP, "extURI", uri)
        if relocated:
            extension = _sub(command, EPP, "extension")
            sec = _object(extension, LOGIN_SEC, "loginSec", "loginSec")
            if user_agent:
                _sub(_sub(sec, LOGIN_SEC, "userAgent"), LOGIN_SEC, "app", user_agent)
            for key in ("pw", "newPW"):
                if key in relocated:
                    _sub(sec, LOGIN_SEC, key, relocated[key])

    return _command(body, cl_trid)


def logout(*, cl_trid: str) -> bytes:
    return _command(lambda command: _sub(command, EPP, "logout"), cl_trid)


# ----------------------------------------------------------------------- domain


def domain_check(names: Iterable[str], *, cl_trid: str) -> bytes:
    names = list(names)
    if not names:
        raise ValueError("check at least one name")

    def body(command: etree._Element) -> None:
        check = _object(_sub(command, EPP, "check"), DOMAIN, "domain", "check")
        for name in names:
            _sub(check, DOMAIN, "name", name)

    return _command(body, cl_trid)


def domain_info(name: str, *, cl_trid: str, authinfo: str | None = None, hosts: str = "all") -> bytes:
    def body(command: etree._Element) -> None:
        info = _object(_sub(command, EPP, "info"), DOMAIN, "domain", "info")
        _sub(info, DOMAIN, "name", name, hosts=hosts)
        if authinfo is not None:
            _auth_info(info, DOMAIN, authinfo)

    return _command(body, cl_trid)


def domain_update(
    name: str,
    *,
    cl_trid: str,
    add_statuses: Iterable[str] = (),
    remove_statuses: Iterable[str] = (),
    registrant: str | None = None,
    authinfo: str | None = None,
    remove_authinfo: bool = False,
) -> bytes:
    add_statuses, remove_statuses = list(add_statuses), list(remove_statuses)
    if authinfo is not None and remove_authinfo:
        raise ValueError("either set a new authInfo or remove it, not both")
    if not (
        add_statuses or remove_statuses or registrant is not None or authinfo is not None or remove_authinfo
    ):
        raise ValueError("an update must change something")

    def body(command: etree._Element) -> None:
        update = _object(_sub(command, EPP, "update"), DOMAIN, "domain", "update")
        _sub(update, DOMAIN, "name", name)
        for section, statuses in (("add", add_statuses), ("rem", remove_statuses)):
            if statuses:
                element = _sub(update, DOMAIN, section)
                for status in statuses:
                    _sub(element, DOMAIN, "status", s=status)
        if registrant is not None or authinfo is not None or remove_authinfo:
            chg = _sub(update, DOMAIN, "chg")
            if registrant is not None:
                _sub(chg, DOMAIN, "registrant", registrant)
            if authinfo is not None:
                _auth_info(chg, DOMAIN, authinfo)
            elif remove_authinfo:
                _sub(_sub(chg, DOMAIN, "authInfo"), DOMAIN, "null")

    return _command(body, cl_trid)


def domain_transfer(
    op: str,
    name: str,
    *,
    cl_trid: str,
    authinfo: str | None = None,
    period_years: int | None = None,
) -> bytes:
    """Any of the five transfer operations. The gaining registrar's ``request`` needs the
    authInfo; a third party's ``query`` may give it to prove its right to ask."""
    if op not in TRANSFER_OPS:
        raise ValueError(f"unknown transfer operation {op!r}")
    if op == "request" and not authinfo:
        raise ValueError("a transfer request needs the authInfo")
    if period_years is not None and (op != "request" or not 1 <= period_years <= 10):
        raise ValueError("a period of 1 to 10 years goes with a transfer request only")

    def body(command: etree._Element) -> None:
        transfer = _sub(command, EPP, "transfer", op=op)
        domain = _object(transfer, DOMAIN, "domain", "transfer")
        _sub(domain, DOMAIN, "name", name)
        if period_years is not None:
            _sub(domain, DOMAIN, "period", str(period_years), unit="y")
        if authinfo is not None:
            _auth_info(domain, DOMAIN, authinfo)

    return _command(body, cl_trid)


# ----------------------------------------------------------------------- contact


def contact_create(contact: ContactData, authinfo: str, *, cl_trid: str) -> bytes:
    if len(contact.street) > 3:
        raise ValueError("a contact address has at most three street lines")

    def body(command: etree._Element) -> None:
        create = _object(_sub(command, EPP, "create"), CONTACT, "contact", "create")
        _sub(create, CONTACT, "id", contact.handle)
        postal = _sub(create, CONTACT, "postalInfo", type=contact.postal_type)
        _sub(postal, CONTACT, "name", contact.name)
        if contact.org:
            _sub(postal, CONTACT, "org", contact.org)
        addr = _sub(postal, CONTACT, "addr")
        for line in contact.street:
            _sub(addr, CONTACT, "street", line)
        _sub(addr, CONTACT, "city", contact.city)
        if contact.province:
            _sub(addr, CONTACT, "sp", contact.province)
        if contact.postal_code:
            _sub(addr, CONTACT, "pc", contact.postal_code)
        _sub(addr, CONTACT, "cc", contact.country)
        if contact.voice:
            _sub(create, CONTACT, "voice", contact.voice)
        if contact.fax:
            _sub(create, CONTACT, "fax", contact.fax)
        _sub(create, CONTACT, "email", contact.email)
        _auth_info(create, CONTACT, authinfo)

    return _command(body, cl_trid)


def contact_info(
    handle: str, *, cl_trid: str, authinfo: str | None = None, authinfo_roid: str | None = None
) -> bytes:
    def body(command: etree._Element) -> None:
        info = _object(_sub(command, EPP, "info"), CONTACT, "contact", "info")
        _sub(info, CONTACT, "id", handle)
        if authinfo is not None:
            _auth_info(info, CONTACT, authinfo, roid=authinfo_roid)

    return _command(body, cl_trid)


# ----------------------------------------------------------------------- poll


def poll_request(*, cl_trid: str) -> bytes:
    return _command(lambda command: _sub(command, EPP, "poll", op="req"), cl_trid)


def poll_ack(msg_id: str, *, cl_trid: str) -> bytes:
    if not msg_id or msg_id != msg_id.strip():
        raise ValueError("a message ID is a non-empty token")
    return _command(lambda command: _sub(command, EPP, "poll", op="ack", msgID=msg_id), cl_trid)
