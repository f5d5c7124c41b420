"""The frames the sandbox sends: greeting, responses and their resData."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from registry.epp.codes import STANDARD_TEXTS, ResultCode
from registry.epp.namespaces import CONTACT, DOMAIN, EPP, LOGIN_SEC, q

from .store import DomainRow, from_db

SERVER_ID = "RegFlow sandbox registry"
LANGUAGES = ("en", "pl")
OBJECT_URIS = (DOMAIN, CONTACT)
EXTENSION_URIS = (LOGIN_SEC,)


@dataclass(frozen=True)
class ExtValue:
    namespace: str
    element: str
    value: str
    reason: str


@dataclass(frozen=True)
class QueueState:
    count: int
    id: str
    queued_at: datetime | None = None
    message: str | None = None


def epp_date(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _root() -> etree._Element:
    return etree.Element(q(EPP, "epp"), nsmap={None: EPP})


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=False)


def _sub(
    parent: etree._Element, ns: str, local: str, text: str | None = None, **attrs: str
) -> etree._Element:
    element = etree.SubElement(parent, q(ns, local), **attrs)
    if text is not None:
        element.text = text
    return element


def greeting(now: datetime) -> bytes:
    root = _root()
    element = _sub(root, EPP, "greeting")
    _sub(element, EPP, "svID", SERVER_ID)
    _sub(element, EPP, "svDate", epp_date(now))
    menu = _sub(element, EPP, "svcMenu")
    _sub(menu, EPP, "version", "1.0")
    for lang in LANGUAGES:
        _sub(menu, EPP, "lang", lang)
    for uri in OBJECT_URIS:
        _sub(menu, EPP, "objURI", uri)
    extensions = _sub(menu, EPP, "svcExtension")
    for uri in EXTENSION_URIS:
        _sub(extensions, EPP, "extURI", uri)
    dcp = _sub(element, EPP, "dcp")
    _sub(_sub(dcp, EPP, "access"), EPP, "all")
    statement = _sub(dcp, EPP, "statement")
    purpose = _sub(statement, EPP, "purpose")
    _sub(purpose, EPP, "admin")
    _sub(purpose, EPP, "prov")
    recipient = _sub(statement, EPP, "recipient")
    _sub(recipient, EPP, "ours")
    _sub(recipient, EPP, "public")
    _sub(_sub(statement, EPP, "retention"), EPP, "stated")
    return _serialize(root)


def response(
    code: int,
    *,
    cl_trid: str | None,
    sv_trid: str,
    message: str | None = None,
    ext_values: tuple[ExtValue, ...] = (),
    msgq: QueueState | None = None,
    res_data: etree._Element | None = None,
) -> bytes:
    root = _root()
    element = _sub(root, EPP, "response")
    result = _sub(element, EPP, "result", code=str(code))
    _sub(result, EPP, "msg", message or STANDARD_TEXTS[ResultCode(code)])
    for ext in ext_values:
        ext_el = _sub(result, EPP, "extValue")
        value = _sub(ext_el, EPP, "value")
        quoted = etree.SubElement(
            value, q(ext.namespace, ext.element), nsmap={_prefix(ext.namespace): ext.namespace}
        )
        quoted.text = ext.value
        _sub(ext_el, EPP, "reason", ext.reason)
    if msgq is not None:
        queue = _sub(element, EPP, "msgQ", count=str(msgq.count), id=msgq.id)
        if msgq.queued_at is not None:
            _sub(queue, EPP, "qDate", epp_date(msgq.queued_at))
        if msgq.message is not None:
            _sub(queue, EPP, "msg", msgq.message)
    if res_data is not None:
        _sub(element, EPP, "resData").append(res_data)
    trid = _sub(element, EPP, "trID")
    if cl_trid:
        _sub(trid, EPP, "clTRID", cl_trid)
    _sub(trid, EPP, "svTRID", sv_trid)
    return _serialize(root)


def _prefix(namespace: str) -> str:
    return {DOMAIN: "domain", CONTACT: "contact", EPP: "epp"}.get(namespace, "x")


def _object(ns: str, local: str) -> etree._Element:
    return etree.Element(q(ns, local), nsmap={_prefix(ns): ns})


def domain_chk_data(items: list[tuple[str, bool, str | None]]) -> etree._Element:
    data = _object(DOMAIN, "chkData")
    for name, available, reason in items:
        cd = _sub(data, DOMAIN, "cd")
        _sub(cd, DOMAIN, "name", name, avail="1" if available else "0")
        if reason:
            _sub(cd, DOMAIN, "reason", reason)
    return data


def domain_inf_data(domain: DomainRow, *, full: bool) -> etree._Element:
    """What an info shows: to the sponsor, or to a client that gave the authInfo, all we
    hold (never the authInfo itself: only its hash is kept); to anyone else the name, the
    repository ID, the statuses and the sponsor."""
    data = _object(DOMAIN, "infData")
    _sub(data, DOMAIN, "name", domain.name)
    _sub(data, DOMAIN, "roid", domain.roid)
    for status in domain.statuses or ("ok",):
        _sub(data, DOMAIN, "status", s=status)
    if full and domain.registrant:
        _sub(data, DOMAIN, "registrant", domain.registrant)
    _sub(data, DOMAIN, "clID", domain.sponsor)
    if full:
        _sub(data, DOMAIN, "crID", domain.created_by)
        _sub(data, DOMAIN, "crDate", epp_date(domain.created_at))
        if domain.updated_at is not None:
            _sub(data, DOMAIN, "upID", domain.updated_by)
            _sub(data, DOMAIN, "upDate", epp_date(domain.updated_at))
        _sub(data, DOMAIN, "exDate", epp_date(domain.expires_at))
        if domain.transferred_at is not None:
            _sub(data, DOMAIN, "trDate", epp_date(domain.transferred_at))
    return data


def domain_trn_data(snapshot: dict[str, str | None]) -> etree._Element:
    """``snapshot`` as ``registry.transfer_snapshot`` makes it (dates already in EPP form)."""
    data = _object(DOMAIN, "trnData")
    _sub(data, DOMAIN, "name", snapshot["name"])
    _sub(data, DOMAIN, "trStatus", snapshot["status"])
    _sub(data, DOMAIN, "reID", snapshot["requested_by"])
    _sub(data, DOMAIN, "reDate", snapshot["requested_at"])
    _sub(data, DOMAIN, "acID", snapshot["action_by"])
    _sub(data, DOMAIN, "acDate", snapshot["action_at"])
    if snapshot.get("expires_at"):
        _sub(data, DOMAIN, "exDate", snapshot["expires_at"])
    return data


def contact_cre_data(handle: str, created_at: datetime) -> etree._Element:
    data = _object(CONTACT, "creData")
    _sub(data, CONTACT, "id", handle)
    _sub(data, CONTACT, "crDate", epp_date(created_at))
    return data


def contact_inf_data(row: sqlite3.Row, statuses: tuple[str, ...], street: list[str]) -> etree._Element:
    data = _object(CONTACT, "infData")
    _sub(data, CONTACT, "id", row["handle"])
    _sub(data, CONTACT, "roid", row["roid"])
    for status in statuses:
        _sub(data, CONTACT, "status", s=status)
    postal = _sub(data, CONTACT, "postalInfo", type=row["postal_type"])
    _sub(postal, CONTACT, "name", row["name"])
    if row["org"]:
        _sub(postal, CONTACT, "org", row["org"])
    addr = _sub(postal, CONTACT, "addr")
    for line in street:
        _sub(addr, CONTACT, "street", line)
    _sub(addr, CONTACT, "city", row["city"])
    if row["province"]:
        _sub(addr, CONTACT, "sp", row["province"])
    if row["postal_code"]:
        _sub(addr, CONTACT, "pc", row["postal_code"])
    _sub(addr, CONTACT, "cc", row["country"])
    if row["voice"]:
        _sub(data, CONTACT, "voice", row["voice"])
    if row["fax"]:
        _sub(data, CONTACT, "fax", row["fax"])
    _sub(data, CONTACT, "email", row["email"])
    _sub(data, CONTACT, "clID", row["sponsor"])
    _sub(data, CONTACT, "crID", row["created_by"])
    _sub(data, CONTACT, "crDate", epp_date(from_db(row["created_at"])))
    if row["updated_at"]:
        _sub(data, CONTACT, "upID", row["updated_by"])
        _sub(data, CONTACT, "upDate", epp_date(from_db(row["updated_at"])))
    return data
